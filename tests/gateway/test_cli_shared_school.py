"""One school across sources, end to end through the CLI on SQLite and PostgreSQL (issue 11, 4).

The pattern: a municipality's register sends its schools as a OneRoster package (``S1``,
"Nordby skole"), and the school adds staff the register does not hold, substitutes and
assistants, through the LMS admin's "import users from a file" CSV, naming the school as
the admin knows it: by name, or by the key the register gave it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.cli import Cli
from tests.support.packages import World

ASSISTANTS = """\
ID;Fornavn;Etternavn;Trinn;Klasse;Rolle
V1;Vilde;Vik;8;8A;lærer
V2;Arne;Aas;;;lærer
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write a feed file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def oneroster(cli: Cli, tmp_path: Path, source: str = "oneroster") -> None:
    """Import an empty OneRoster world: the school S1 "Nordby skole" and nothing else."""
    folder = World().write(tmp_path / f"package-{source}")
    assert cli("import", folder, "--source", source).code == 0


def nodes(cli: Cli) -> list[tuple[str, str, str, str]]:
    """(path, kind, source, key) of every node."""
    return [(n["path"], n["kind"], n["source"], n["sync_key"]) for n in cli.json("list", "nodes")]


def test_a_csv_adds_its_staff_and_classes_to_the_school_a_register_sent(
    cli: Cli, tmp_path: Path
) -> None:
    oneroster(cli, tmp_path)
    feed = write(tmp_path, "assistants.csv", ASSISTANTS)
    report: dict[str, Any] = cli.json("import", feed, "--format", "csv", "--school", "Nordby skole")
    assert report["state"] == "applied"
    assert report["new_nodes"] == ["Nordby skole/8", "Nordby skole/8/8A"]
    assert report["counts"]["nodes"]["created"] == 2
    assert nodes(cli) == [
        ("Nordby skole", "school", "oneroster", "S1"),
        ("Nordby skole/8", "year", "csv", "Nordby skole/8"),
        ("Nordby skole/8/8A", "class", "csv", "Nordby skole/8/8A"),
    ]
    placed = {a["sync_key"]: a["nodes"] for a in cli.json("list", "accounts")}
    assert placed == {"V1": ["Nordby skole/8/8A"], "V2": ["Nordby skole"]}
    # Named by the register's key, the school is the same one, and so are its years and classes.
    again = cli.json("import", feed, "--format", "csv", "--school", "S1")
    assert (again["counts"]["nodes"]["created"], again["new_nodes"]) == (0, [])
    assert again["counts"]["accounts"]["unchanged"] == 2
    assert len(nodes(cli)) == 3
    # The school's settings reach the CSV's people: staff switched off are skipped.
    assert cli("settings", "Nordby skole", "--set", "sync_staff=false").code == 0
    more = write(tmp_path, "more.csv", ASSISTANTS + "V3;Siri;Sand;;;lærer\n")
    off = cli.json("import", more, "--format", "csv", "--school", "Nordby skole")
    assert off["counts"]["accounts"]["skipped"] == 3


def test_the_same_csv_under_two_sources_keeps_one_school(cli: Cli, tmp_path: Path) -> None:
    feed = write(tmp_path, "assistants.csv", ASSISTANTS)
    args = ("import", feed, "--format", "csv", "--school", "Nordby skole")
    assert cli.json(*args, "--source", "visma")["state"] == "applied"
    assert cli.json(*args)["state"] == "applied"
    schools = [n for n in nodes(cli) if n[1] == "school"]
    assert schools == [("Nordby skole", "school", "visma", "Nordby skole")]
    shown = cli("settings", "Nordby skole", "--set", "allow_manual_members=true")
    assert shown.code == 0, shown.err
    # The years and classes each source's CSV adds under it are that source's own.
    below = sorted((n[0], n[2]) for n in nodes(cli) if n[1] != "school")
    assert below == [
        ("Nordby skole/8", "csv"),
        ("Nordby skole/8", "visma"),
        ("Nordby skole/8/8A", "csv"),
        ("Nordby skole/8/8A", "visma"),
    ]


def test_a_name_two_schools_share_is_refused_with_keys_that_tell_them_apart(
    cli: Cli, tmp_path: Path
) -> None:
    oneroster(cli, tmp_path, "north")
    oneroster(cli, tmp_path, "south")  # the same key S1 and name in another register
    runs = len(cli.json("runs"))
    feed = write(tmp_path, "assistants.csv", ASSISTANTS)
    refused = cli("import", feed, "--format", "csv", "--school", "Nordby skole")
    assert refused.code == 2
    listed = "Nordby skole (key north:S1), Nordby skole (key south:S1)"
    assert f"'Nordby skole' names several schools: {listed}; use the key" in refused.err
    assert cli("import", feed, "--format", "csv", "--school", "S1").code == 2
    assert len(cli.json("runs")) == runs and cli.json("list", "accounts") == []
    assert cli("settings", "Nordby skole").code == 2
    chosen = cli.json("import", feed, "--format", "csv", "--school", "south:S1")
    assert chosen["state"] == "applied"
    assert [n for n in nodes(cli) if n[1] != "school"] == [
        ("Nordby skole/8", "year", "csv", "south:S1/8"),
        ("Nordby skole/8/8A", "class", "csv", "south:S1/8/8A"),
    ]
    assert cli.json("settings", "south:S1")["auto_sync"] is True
    # A school column naming both fails the file, pointing at the row; nothing is written.
    column = write(
        tmp_path, "column.csv", "ID;Fornavn;Etternavn;Skole;Rolle\nV9;Ida;Berg;Nordby skole;lærer\n"
    )
    failed = cli("import", column, "--format", "csv", "--json")
    assert failed.code == 1
    (issue,) = failed.json()["issues"]
    assert (issue["code"], issue["file"], issue["line"]) == ("ambiguous_school", "column.csv", 2)
    assert "V9" not in {a["sync_key"] for a in cli.json("list", "accounts")}


def test_a_school_column_finds_the_school_whatever_the_case(cli: Cli, tmp_path: Path) -> None:
    first = write(
        tmp_path, "first.csv", "ID;Fornavn;Etternavn;Skole;Rolle\nT1;Ola;Dahl;Nordby skole;lærer\n"
    )
    assert cli.json("import", first, "--format", "csv")["counts"]["nodes"]["created"] == 1
    later = write(
        tmp_path, "later.csv", "ID;Fornavn;Etternavn;Skole;Rolle\nT2;Kari;Lie;NORDBY SKOLE;lærer\n"
    )
    report = cli.json("import", later, "--format", "csv")
    assert report["counts"]["nodes"] == dict.fromkeys(report["counts"]["nodes"], 0)
    assert nodes(cli) == [("Nordby skole", "school", "csv", "Nordby skole")]
    placed = {a["sync_key"]: a["nodes"] for a in cli.json("list", "accounts")}
    assert placed == {"T1": ["Nordby skole"], "T2": ["Nordby skole"]}
