"""OneRoster details end to end, on SQLite and PostgreSQL (issue 11 item 5)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gateway.store import models as m
from tests.gateway.test_cli_oneroster import (
    ENROLLMENTS,
    STAMP,
    counts,
    imported,
    imported_again,
    memberships,
    opened,
    package,
)
from tests.support.cli import Cli
from tests.support.packages import nordby


def statuses(url: str) -> dict[str | None, str]:
    """sync key → status of every stored membership (removed ones are kept, marked)."""
    ms = m.Membership
    with opened(url) as engine, engine.connect() as conn:
        return dict(conn.execute(select(ms.sync_key, ms.status)).all())


def stored(url: str) -> dict[str | None, bool | None]:
    """sync key → is_primary of every stored membership."""
    ms = m.Membership
    with opened(url) as engine, engine.connect() as conn:
        return dict(conn.execute(select(ms.sync_key, ms.is_primary)).all())


# nordby(10): 22 enrollments, each keyed E-<user>-<class>-<role> (tests/support/packages.py).
# A delta enrollments.csv (the OneRoster spec lets a delete name its sourcedId alone) says
# only that E-P2-MAT8-student is tobedeleted: P2 (Ola Dahl, OlDa) leaves Matematikk 8.
def test_a_delta_deletes_an_enrollment_by_its_sourced_id(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    imported(cli, nordby(10).write(tmp_path / "bulk"))
    keys = stored(database_url)
    assert len(keys) == 22 and "E-P2-MAT8-student" in keys
    before = memberships(cli)
    delta = package(
        tmp_path / "delta",
        "1.1",
        {
            "enrollments": f"""
                {ENROLLMENTS}
                E-P2-MAT8-student,tobedeleted,{STAMP},,,,,,,
                E-NOBODY,tobedeleted,{STAMP},,,,,,,
                """
        },
        enrollments="delta",
    )
    report = imported(cli, delta)
    assert counts(report)["memberships"] == {"removed": 1, "skipped": 1}
    assert [(i["severity"], i["code"], i["key"], i["line"]) for i in report["issues"]] == [
        ("warning", "unknown_membership", "E-NOBODY", 3)
    ]
    assert memberships(cli) == [r for r in before if r != ("Matematikk 8", "OlDa", "student")]
    assert statuses(database_url) == {
        **dict.fromkeys(keys, "active"),
        "E-P2-MAT8-student": "removed",
    }
    # The removal is logged with its key; a revert makes the same row active again.
    cli("revert", str(report["run"]))
    assert memberships(cli) == before
    assert statuses(database_url) == dict.fromkeys(keys, "active")
    assert stored(database_url)["E-P2-MAT8-student"] is None


# The same world with primary=false on T1's 8A enrollment and primary=true on P1's: the
# flags are stored as sent, and both differ from the rows that leave primary empty.
def test_primary_false_is_kept_distinct_from_absent(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    folder = nordby(2).write(tmp_path / "bulk")
    enrollments = folder / "enrollments.csv"
    text = enrollments.read_text(encoding="utf-8")
    text = text.replace(
        "E-T1-8A-teacher,,,8A,S1,T1,teacher,,", "E-T1-8A-teacher,,,8A,S1,T1,teacher,false,"
    )
    text = text.replace(
        "E-P1-8A-student,,,8A,S1,P1,student,,", "E-P1-8A-student,,,8A,S1,P1,student,true,"
    )
    enrollments.write_text(text, encoding="utf-8")
    imported(cli, folder)
    flags = stored(database_url)
    assert flags["E-T1-8A-teacher"] is False
    assert flags["E-P1-8A-student"] is True
    assert flags["E-P2-8A-student"] is None
    imported_again(cli, folder)
