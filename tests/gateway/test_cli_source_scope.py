"""The scope rule end to end (issue 12 item 2): a source writes only to its schools.

Each format sends records for Nordby skole, which the source may write to, and for Sørby
skole, which it may not: Sørby's records are skipped with one ``out_of_scope`` error per
school and entity whose ``skipped`` explains the count, and the store holds Nordby's alone.
A source whose schools narrow after an import leaves what it wrote elsewhere as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ims.xmlfeed import feed, group, member, membership, person, role
from tests.support.cli import Cli
from tests.support.packages import User, World

LISTS = ("accounts", "nodes", "groups", "memberships")


def outside(report: dict[str, Any]) -> dict[str, int]:
    """The out_of_scope issues as {entity: records skipped}; each entity's skips all explained."""
    found = {i["entity"]: i["skipped"] for i in report["issues"] if i["code"] == "out_of_scope"}
    for entity, counts in report["counts"].items():
        explained = sum(i.get("skipped", 0) for i in report["issues"] if i["entity"] == entity)
        assert counts["skipped"] == explained, (entity, report["issues"])
    return found


def store(cli: Cli) -> dict[str, Any]:
    """Everything `list` shows."""
    return {what: cli.json("list", what) for what in LISTS}


def keys(cli: Cli, what: str) -> set[str]:
    """The sync keys `list` shows."""
    return {row["sync_key"] for row in cli.json("list", what)}


def test_csv_rows_of_another_school_are_skipped(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "elever.csv"
    path.write_text(
        "ID;Fornavn;Etternavn;Skole;Trinn;Klasse;"
        "Foresatt1 ID;Foresatt1 Fornavn;Foresatt1 Etternavn\n"
        "1;Ola;Dahl;Nordby skole;8;8A;F1;Per;Dahl\n"
        "2;Kari;Lie;Nordby skole;8;8A;;;\n"
        "3;Per;Berg;Sørby skole;9;9A;F3;Liv;Berg\n",
        encoding="utf-8",
    )
    cli("source", "add", "elevreg", "--format", "csv", "--schools", "nordby skole")
    report = cli.json("import", str(path), "--source", "elevreg", "--role", "elev")
    assert report["state"] == "applied"
    assert outside(report) == {"accounts": 2, "nodes": 3, "groups": 1, "memberships": 1}
    (issue,) = [i for i in report["issues"] if i["entity"] == "accounts"][-1:]
    assert issue["key"] == "Sørby skole" and "outside this source's schools" in issue["message"]
    assert keys(cli, "accounts") == {"1", "2", "F1"}
    assert {n["path"] for n in cli.json("list", "nodes")} == {
        "Nordby skole",
        "Nordby skole/8",
        "Nordby skole/8/8A",
    }


def _ims(tmp_path: Path) -> Path:
    """Nordby and Sørby, a pupil in each, and a teacher of a class at both."""
    path = tmp_path / "vigilo.xml"
    path.write_bytes(
        feed(
            group("S1", "Nordby skole", typevalue="school"),
            group("S2", "Sørby skole", typevalue="school"),
            group("8A", "8A", typevalue="class", parent="S1"),
            group("9A", "9A", typevalue="class", parent="S2"),
            person("P1", "Ola", "Dahl"),
            person("P2", "Per", "Berg"),
            person("T1", "Marit", "Haugen"),
            membership("8A", member("P1", role("01")), member("T1", role("02"))),
            membership("9A", member("P2", role("01")), member("T1", role("02"))),
            mode="full",
        )
    )
    return path


def test_ims_groups_and_memberships_of_another_school_are_skipped(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "vigilo", "--format", "ims", "--schools", "S1")
    report = cli.json("import", str(_ims(tmp_path)), "--source", "vigilo")
    assert report["state"] == "applied"
    assert outside(report) == {"accounts": 1, "nodes": 2, "groups": 1, "memberships": 2}
    assert keys(cli, "accounts") == {"P1", "T1"}
    assert keys(cli, "nodes") == {"S1", "8A"}
    (teacher,) = [a for a in cli.json("list", "accounts") if a["sync_key"] == "T1"]
    assert all(not path.startswith("Sørby") for path in teacher["nodes"])
    assert {(m["group"], m["role"]) for m in cli.json("list", "memberships")} == {
        ("8A", "student"),
        ("8A", "teacher"),
    }


def _world() -> World:
    """Nordby (S1) and Sørby (S2): a teacher, pupils and a guardian at each."""
    world = World(
        schools={"S1": "Nordby skole", "S2": "Sørby skole"},
        homerooms={"8A": ("8A", "S1"), "9A": ("9A", "S2")},
    )
    world.users += [
        User("T1", "Marit", "Haugen", "teacher"),
        User("P1", "Ola", "Dahl", agents="G1"),
        User("P2", "Kari", "Lie"),
        User("G1", "Per", "Dahl", "guardian", agents="P1"),
        User("T2", "Jon", "Vik", "teacher", orgs="S2"),
        User("P3", "Per", "Berg", orgs="S2", agents="G3"),
        User("G3", "Liv", "Berg", "guardian", orgs="S2", agents="P3"),
    ]
    world.enrollments += [
        ("T1", "8A", "teacher"),
        ("P1", "8A", "student"),
        ("P2", "8A", "student"),
        ("T2", "9A", "teacher"),
        ("P3", "9A", "student"),
    ]
    return world


def test_oneroster_records_of_another_school_are_skipped(cli: Cli, tmp_path: Path) -> None:
    cli("source", "add", "sis", "--format", "oneroster", "--schools", "Nordby skole")
    report = cli.json("import", str(_world().write(tmp_path / "pkg")), "--source", "sis")
    assert report["state"] == "applied"
    assert outside(report) == {"accounts": 3, "nodes": 2, "groups": 1, "memberships": 2}
    assert keys(cli, "accounts") == {"T1", "P1", "P2", "G1"}
    assert keys(cli, "nodes") == {"S1", "8A"}
    assert keys(cli, "groups") == {"8A"}


def test_a_narrowed_source_leaves_the_other_school_as_it_was(cli: Cli, tmp_path: Path) -> None:
    """Sørby was written while the source reached every school; a full snapshot from it,
    now reaching Nordby only, expires, removes and changes nothing there."""
    cli("source", "add", "sis", "--format", "oneroster")
    world = _world()
    assert cli("import", str(world.write(tmp_path / "a")), "--source", "sis").code == 0
    before = store(cli)
    assert len(before["accounts"]) == 7
    narrowed = cli("source", "set", "sis", "schools=S1,Nowhere skole")
    assert "answers to 'Nowhere skole' yet" in narrowed.err and "'S1'" not in narrowed.err
    gone = world.without("P3", "T2").changed("G3", family="Bergh")
    report = cli.json("import", str(gone.write(tmp_path / "b")), "--source", "sis")
    assert report["state"] == "applied"
    assert {e: c["expired"] + c["removed"] for e, c in report["counts"].items()} == dict.fromkeys(
        report["counts"], 0
    )
    assert outside(report)["accounts"] == 1  # G3, whose change is not made
    assert store(cli) == before


def test_a_school_named_by_path_keeps_its_owner_above_it(cli: Cli, tmp_path: Path) -> None:
    """The municipality above Nordby is written (so Nordby keeps its path, and the spec keeps
    naming it on the next run); Sørby under the same owner is not."""
    path = tmp_path / "kommune.xml"
    path.write_bytes(
        feed(
            group("K1", "Nordby kommune", typevalue="skoleeier"),
            group("S1", "Nordby skole", typevalue="school", parent="K1"),
            group("S2", "Sørby skole", typevalue="school", parent="K1"),
            person("P1", "Ola", "Dahl"),
            person("P2", "Per", "Berg"),
            membership("S1", member("P1", role("01"))),
            membership("S2", member("P2", role("01"))),
            mode="full",
        )
    )
    spec = "Nordby kommune/Nordby skole"
    cli("source", "add", "vigilo", "--format", "ims", "--schools", spec)
    first = cli.json("import", str(path), "--source", "vigilo")
    assert outside(first) == {"accounts": 1, "nodes": 1}
    assert {n["path"] for n in cli.json("list", "nodes")} == {"Nordby kommune", spec}
    assert keys(cli, "accounts") == {"P1"}
    again = cli.json("import", str(path), "--source", "vigilo")
    assert outside(again) == {"accounts": 1, "nodes": 1}
    assert again["counts"]["accounts"]["unchanged"] == 1
    assert again["counts"]["nodes"]["unchanged"] == 2


def test_persons_sent_before_their_memberships_wait_for_them(cli: Cli, tmp_path: Path) -> None:
    """A persons file places no one: its persons are at no school yet, so none is outside;
    the memberships file that follows places them, and Sørby's are skipped."""
    student = '<institutionrole primaryrole="Yes" institutionroletype="Student"/>'
    persons = tmp_path / "persons.xml"
    persons.write_bytes(
        feed(person("P1", "Ola", "Dahl", extra=student), person("P2", "Per", "Berg", extra=student))
    )
    groups = tmp_path / "groups.xml"
    groups.write_bytes(
        feed(
            group("S1", "Nordby skole", typevalue="school"),
            group("S2", "Sørby skole", typevalue="school"),
            group("8A", "8A", typevalue="class", parent="S1"),
            group("9A", "9A", typevalue="class", parent="S2"),
            membership("8A", member("P1", role("01"))),
            membership("9A", member("P2", role("01"))),
        )
    )
    cli("source", "add", "vigilo", "--format", "ims", "--schools", "Nordby skole")
    first = cli.json("import", str(persons), "--source", "vigilo")
    assert outside(first) == {} and first["counts"]["accounts"]["created"] == 2
    second = cli.json("import", str(groups), "--source", "vigilo")
    assert outside(second) == {"nodes": 2, "groups": 1, "memberships": 1}
    assert {(m["group"], m["username"]) for m in cli.json("list", "memberships")} == {
        ("8A", "OlDa")
    }
