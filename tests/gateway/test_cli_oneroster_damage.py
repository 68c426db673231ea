"""Damaged and hostile OneRoster packages end to end, on SQLite and PostgreSQL (issue 10)."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.test_cli_oneroster import accounts, imported, memberships, store
from tests.oneroster.test_oneroster_hostile import CLASSES_10, ORGS_10, SESSIONS_10, USERS_10
from tests.support.cli import Cli
from tests.support.packages import nordby


# Issue 10: a stray `"` before P3's given name (users.csv line 5 of nordby(10): T1, P1, P2,
# P3, ...) swallowed every later line into that name; the rows after it (P4-P10, G1, G2)
# were then missing from a bulk users.csv, so they were expired and their memberships went.
def test_a_stray_quote_costs_its_row_not_the_rows_after(cli: Cli, tmp_path: Path) -> None:
    world = nordby(10)
    imported(cli, world.write(tmp_path / "first"))
    before = accounts(cli)
    damaged = world.write(tmp_path / "second")
    users = damaged / "users.csv"
    users.write_text(users.read_text(encoding="utf-8").replace(",Kari,", ',"Kari,', 1))
    result = cli("import", damaged, "--json")
    report = result.json()
    errors = [
        (i["severity"], i["code"], i["entity"], i["key"], i["file"], i["line"])
        for i in report["issues"]
        if i["severity"] == "error"
    ]
    assert errors == [("error", "quote_spans_rows", "accounts", "P3", "users.csv", 5)]
    assert [i for i in report["issues"] if i["code"] == "row_length"] == []
    after = accounts(cli)
    assert {k: a for k, a in after.items() if k != "P3"} == {
        k: a for k, a in before.items() if k != "P3"
    }
    assert not any("," in a[1] or "\n" in a[1] for a in after.values())
    others = [r for r in memberships(cli) if r[1] != "KaLi"]
    assert len(others) == 20  # 22 less P3's two: every other membership stays


def test_a_linked_users_csv_fails_the_run(cli: Cli, tmp_path: Path) -> None:
    folder = nordby(2).write(tmp_path / "pkg")
    (folder / "users.csv").unlink()
    (folder / "users.csv").symlink_to("/etc/passwd")
    result = cli("import", folder, "--json")
    assert result.code == 1
    report = result.json()
    assert report["state"] == "failed"
    assert [(i["code"], i["file"]) for i in report["issues"]] == [("package_link", "users.csv")]
    assert "root:" not in result.out + result.err
    assert store(cli)["accounts"] == []


def test_a_zip_cut_short_is_a_damaged_zip(cli: Cli, tmp_path: Path) -> None:
    folder = nordby(2).write(tmp_path / "pkg")
    import zipfile

    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.iterdir()):
            zf.write(file, file.name)
    data = whole.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: data.index(b"PK\x01\x02")])
    result = cli("import", cut, "--json")
    assert result.code == 1
    [issue] = result.json()["issues"]
    assert issue["code"] == "zip_corrupt"
    assert issue["message"].startswith("cut.zip is a damaged zip")
    assert "Windows-1252" not in result.out


# OneRoster 1.0 has no manifest.csv; see tests/oneroster/test_oneroster_hostile.py for where
# the headers come from. Ola (student) and Per (parent) at Nordby skole, Ola in Matte 8.
def test_a_10_folder_without_manifest_imports_as_oneroster(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "or10"
    folder.mkdir()
    files = {"orgs": ORGS_10, "users": USERS_10, "academicSessions": SESSIONS_10}
    files["classes"] = CLASSES_10
    files["enrollments"] = (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary\ne1,active,2015-09-01,k1,s1,u1,student,false\n"
    )
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    report = imported(cli, folder)
    [missing] = [i for i in report["issues"] if i["code"] == "manifest_missing"]
    assert "OneRoster 1.0" in missing["message"]
    got = accounts(cli)
    assert {k: (a[1], a[3]) for k, a in got.items()} == {
        "u1": ("Ola Hansen", "Student"),
        "g1": ("Per Hansen", "Guardian"),
    }
    assert memberships(cli) == [("Matte 8", got["u1"][0], "student")]


def test_the_source_settings_carry_max_line_bytes(tmp_path: Path) -> None:
    import pytest

    from gateway.feeds import Feed, open_records
    from mapping.records import FeedError

    folder = nordby(2).write(tmp_path / "pkg")
    feed = Feed(folder, "oneroster")
    with open_records(feed, {}) as records:
        assert sum(1 for _ in records) > 10
    with pytest.raises(FeedError) as caught, open_records(feed, {"max_line_bytes": 60}) as records:
        list(records)
    assert (caught.value.code, caught.value.line) == ("line_too_long", 1)
