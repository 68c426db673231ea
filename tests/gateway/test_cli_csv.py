"""The CSV flow end to end through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.store import runs
from tests.support.cli import Cli

HEADER = (
    "Synkroniseringsnøkkel;Fornavn;Etternavn;Brukernavn;E-post;Trinn;Klasse;"
    "Foresatt1 ID;Foresatt1 Fornavn;Foresatt1 Etternavn\n"
)
STUDENTS = (
    HEADER
    + """\
1001;Maria;Schneider;;maria@nordby.no;8;8A;G1;Hans;Schneider
1002;Marius;Schulz;;;8;8A;;;
1003;Åse;Ødegård;aseo;;8;8B;G1;Hans;Schneider
"""
)


def write(tmp_path: Path, text: str, name: str = "students.csv") -> Path:
    """Write a feed file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dry_run_writes_nothing_but_the_run(cli: Cli, tmp_path: Path) -> None:
    feed = write(tmp_path, STUDENTS)
    preview = cli.json(
        "import", feed, "--format", "csv", "--school", "Nordby skole", "--role", "elev", "--dry-run"
    )
    assert preview["state"] == "previewed"
    assert preview["counts"]["accounts"]["created"] == 4  # three students and one guardian
    assert preview["counts"]["nodes"]["created"] == 4  # school, year 8, classes 8A and 8B
    assert preview["new_nodes"] == [
        "Nordby skole",
        "Nordby skole/8",
        "Nordby skole/8/8A",
        "Nordby skole/8/8B",
    ]
    assert cli.json("list", "accounts") == []
    assert cli.json("list", "nodes") == []
    runs = cli.json("runs")
    assert [(r["run"], r["state"], r["dry_run"]) for r in runs] == [
        (preview["run"], "previewed", True)
    ]


def test_import_applies_exactly_the_preview_then_nothing_changes(cli: Cli, tmp_path: Path) -> None:
    feed = write(tmp_path, STUDENTS)
    args = ("import", feed, "--format", "csv", "--school", "Nordby skole", "--role", "elev")
    preview = cli.json(*args, "--dry-run")
    applied = cli.json(*args)
    assert applied["state"] == "applied"
    assert applied["counts"] == preview["counts"]
    accounts = {a["sync_key"]: a for a in cli.json("list", "accounts")}
    assert {k: (a["username"], a["profile"], a["nodes"]) for k, a in accounts.items()} == {
        "1001": ("MaSc", "Student", ["Nordby skole/8/8A"]),
        "1002": ("MarSch", "Student", ["Nordby skole/8/8A"]),
        "1003": ("aseo", "Student", ["Nordby skole/8/8B"]),
        "G1": ("HaSc", "Guardian", []),
    }
    again = cli.json(*args)
    assert {e: c["unchanged"] for e, c in again["counts"].items()} == {
        "accounts": 4,
        "nodes": 4,
        "groups": 2,
        "memberships": 3,
        "guardian_links": 2,
    }
    assert all(c["created"] == c["updated"] == 0 for c in again["counts"].values())


def test_changing_one_row_is_exactly_one_update_logged_before_and_after(
    cli: Cli, tmp_path: Path
) -> None:
    args = ("--format", "csv", "--school", "Nordby skole", "--role", "elev")
    cli.json("import", write(tmp_path, STUDENTS), *args)
    changed = STUDENTS.replace("maria@nordby.no", "maria.schneider@nordby.no")
    run = cli.json("import", write(tmp_path, changed, "changed.csv"), *args)
    assert run["counts"]["accounts"] == {
        "created": 0,
        "updated": 1,
        "expired": 0,
        "removed": 0,
        "unchanged": 3,
        "skipped": 0,
    }
    assert cli.json("changes", str(run["run"])) == [
        {
            "entity": "accounts",
            "key": "1001",
            "action": "update",
            "origin": "sync",
            "planned": False,
            "before": {"email": "maria@nordby.no"},
            "after": {"email": "maria.schneider@nordby.no"},
            "name": "Maria Schneider (MaSc)",
            "fields": [["email", "maria@nordby.no", "maria.schneider@nordby.no"]],
        }
    ]
    emails = {a["sync_key"]: a["email"] for a in cli.json("list", "accounts")}
    assert emails["1001"] == "maria.schneider@nordby.no"


def test_a_preview_lists_what_the_run_will_change_and_the_run_does_just_that(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    args = ("--format", "csv", "--school", "Nordby skole", "--role", "elev")
    cli.json("import", write(tmp_path, STUDENTS), *args)
    changed = STUDENTS.replace("maria@nordby.no", "maria.schneider@nordby.no")
    feed = write(tmp_path, changed + "1004;Ola;Nordmann;;;8;8A;;;\n", "changed.csv")
    before = cli.json("list", "accounts")
    preview = cli.json("import", feed, *args, "--dry-run")
    planned = cli.json("changes", str(preview["run"]))
    assert cli.json("list", "accounts") == before
    assert [(c["entity"], c["key"], c["action"], c["planned"]) for c in planned] == [
        ("accounts", "1004", "create", True),
        ("accounts", "1001", "update", True),
        ("memberships", planned[2]["key"], "create", True),
    ]
    engine = create_engine(database_url)
    with engine.connect() as conn:
        query = text("SELECT id FROM nodes WHERE sync_key = 'Nordby skole/8'")
        year_8 = conn.execute(query).scalar_one()
    engine.dispose()
    assert planned[0]["after"] == {
        "username": "OlNo",
        "given_name": "Ola",
        "family_name": "Nordmann",
        "email": "",
        "profile": "Student",
        "status": "active",
        "nodes": [year_8],  # a stored node is named by its id, as in the change log
    }
    assert planned[1]["before"] == {"email": "maria@nordby.no"}
    assert planned[1]["after"] == {"email": "maria.schneider@nordby.no"}
    assert planned[2]["key"].startswith("1004/") and planned[2]["after"]["role"] == "student"
    shown = cli("changes", str(preview["run"])).out
    assert shown.startswith(f"Run {preview['run']} is previewed: nothing was written.")

    applied = cli.json("import", feed, *args)
    assert applied["counts"] == preview["counts"]
    logged = {(c["entity"], c["action"]): c for c in cli.json("changes", str(applied["run"]))}
    assert len(logged) == 3  # an applied run logs its creates as well as its updates
    assert logged[("accounts", "create")] == {**planned[0], "planned": False}
    assert logged[("accounts", "update")] == {**planned[1], "planned": False}
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ola = conn.execute(text("SELECT id FROM accounts WHERE sync_key = '1004'")).scalar_one()
    engine.dispose()
    group = planned[2]["after"]["group"]
    assert logged[("memberships", "create")] == {
        **planned[2],
        "key": f"{ola}/{group}/student",  # the new account by the id it got
        "after": {**planned[2]["after"], "account": ola},
        "planned": False,
    }
    accounts = {a["sync_key"]: a for a in cli.json("list", "accounts")}
    assert accounts["1004"]["username"] == "OlNo"


def test_a_preview_too_large_to_keep_says_so(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "PREVIEW_PLAN_LIMIT", 3)
    args = ("--format", "csv", "--school", "Nordby skole", "--role", "elev", "--dry-run")
    preview = cli.json("import", write(tmp_path, STUDENTS), *args)
    assert sum(c["created"] for c in preview["counts"].values()) > 3
    assert cli.json("changes", str(preview["run"])) == []
    assert "too large to keep" in cli("changes", str(preview["run"])).out


def test_usernames_stay_stable_across_reimports_and_name_changes(cli: Cli, tmp_path: Path) -> None:
    args = ("--format", "csv", "--school", "Nordby skole", "--role", "elev")
    cli.json("import", write(tmp_path, STUDENTS), *args)
    renamed = STUDENTS.replace("1001;Maria;Schneider", "1001;Mia;Olsen")
    cli.json("import", write(tmp_path, renamed, "renamed.csv"), *args)
    users = {a["sync_key"]: (a["username"], a["given_name"]) for a in cli.json("list", "accounts")}
    assert users["1001"] == ("MaSc", "Mia")
    assert users["1002"] == ("MarSch", "Marius")


def test_case_insensitive_username_clash_with_another_source(cli: Cli, tmp_path: Path) -> None:
    staff = "ID;Fornavn;Etternavn;Brukernavn\nT1;Mads;Scott;masc\n"
    cli.json(
        "import",
        write(tmp_path, staff, "staff.csv"),
        "--format",
        "csv",
        "--role",
        "lærer",
        "--source",
        "hr",
    )
    cli.json(
        "import",
        write(tmp_path, STUDENTS),
        "--format",
        "csv",
        "--school",
        "Nordby skole",
        "--role",
        "elev",
    )
    users = {a["sync_key"]: a["username"] for a in cli.json("list", "accounts")}
    assert users["T1"] == "masc"
    assert users["1001"] == "MarSch"  # MaSc clashes with masc, so 3+3
    assert users["1002"] == "MaSc2"  # MaSc and MarSch are taken


def test_feed_level_failure_writes_nothing_and_exits_1(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("ID;Fornavn;Etternavn\n1;Åse;Ødegård\n".encode("latin-1"))
    result = cli("import", path, "--format", "csv", "--role", "elev", "--json")
    assert result.code == 1
    report = result.json()
    assert report["state"] == "failed"
    assert [(i["code"], i["line"]) for i in report["issues"]] == [("not_utf8", 2)]
    assert cli.json("list", "accounts") == []


def test_usage_errors_exit_2(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", tmp_path / "missing.csv", "--format", "csv").code == 2
    columns = tmp_path / "columns.toml"
    columns.write_text('[columns]\n"Elevnr" = "shoe_size"\n')
    feed = write(tmp_path, STUDENTS)
    result = cli("import", feed, "--format", "csv", "--role", "elev", "--columns", columns)
    assert result.code == 2
    assert "shoe_size" in result.err
