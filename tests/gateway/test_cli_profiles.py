"""No roster role reaches System administrator, nor a profile an admin keeps off feeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m
from tests.support.cli import Cli

STAFF = "ID;Fornavn;Etternavn;Rolle\n1;Ola;Dahl;sysadm\n2;Kari;Lie;rektor\n3;Per;Berg;lærer\n"


def import_staff(cli: Cli, tmp_path: Path) -> dict[str, Any]:
    """Import three staff rows (roles sysadm, rektor, lærer) and return the report."""
    feed = tmp_path / "staff.csv"
    feed.write_text(STAFF, encoding="utf-8")
    return dict(cli.json("import", feed, "--school", "Nordby skole"))


def profiles_of(cli: Cli) -> dict[str, str]:
    """Each account's profile by sync key."""
    return {a["sync_key"]: a["profile"] for a in cli.json("list", "accounts")}


def skipped(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, key) of each error issue."""
    return [(i["code"], i["key"]) for i in report["issues"] if i["severity"] == "error"]


def test_the_top_profile_cannot_be_matched(cli: Cli, tmp_path: Path) -> None:
    result = cli("profiles", "match", "System administrator", "sysadm")
    assert result.code == 1
    assert result.err == (
        "rostergate: no roster role may give System administrator: "
        "it is the top profile (security level 100)\n"
    )
    report = import_staff(cli, tmp_path)
    assert skipped(report) == [("unmapped_role", "1")]
    assert profiles_of(cli) == {"2": "Administrator", "3": "Staff"}


def test_a_match_to_the_top_profile_in_the_store_is_ignored(
    cli: Cli, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    """A match row written before this rule (or by hand) must not make a System administrator."""
    with sessions.begin() as session:
        top = session.scalar(select(m.Profile.id).where(m.Profile.security_level == 100))
        session.execute(
            insert(m.RoleMatch).values(source="", role="sysadm", role_key="sysadm", profile_id=top)
        )
    report = import_staff(cli, tmp_path)
    assert skipped(report) == [("unmapped_role", "1")]
    assert profiles_of(cli) == {"2": "Administrator", "3": "Staff"}
    review = {r["role"]: r["profile"] for r in cli.json("mapping")}
    assert review == {"sysadm": None, "rektor": "Administrator", "lærer": "Staff"}


def test_a_profile_kept_off_feeds(cli: Cli, tmp_path: Path) -> None:
    result = cli("profiles", "set", "Administrator", "feed_assignable=false")
    assert result.code == 0
    assert result.out.splitlines()[0] == "Administrator: feed_assignable True -> False"
    shown = {p["name"]: p["feed_assignable"] for p in cli.json("profiles")}
    assert shown == {
        "System administrator": False,
        "Administrator": False,
        "Staff": True,
        "Student": True,
        "Guardian": True,
        "Guest": True,
    }
    assert "Administrator" in cli("profiles").out
    refused = cli("profiles", "match", "Administrator", "boss")
    assert refused.code == 1
    assert "it is marked feed_assignable=false" in refused.err
    report = import_staff(cli, tmp_path)
    assert sorted(skipped(report)) == [("unmapped_role", "1"), ("unmapped_role", "2")]
    assert profiles_of(cli) == {"3": "Staff"}

    assert cli("profiles", "set", "Administrator", "feed_assignable=true").code == 0
    import_staff(cli, tmp_path)
    assert profiles_of(cli) == {"2": "Administrator", "3": "Staff"}


def test_profile_settings_are_checked(cli: Cli) -> None:
    top = cli("profiles", "set", "System administrator", "feed_assignable=true")
    assert (top.code, top.err) == (
        1,
        "rostergate: no roster role may give System administrator: "
        "it is the top profile (security level 100)\n",
    )
    unknown = cli("profiles", "set", "Staff", "colour=red")
    assert (unknown.code, unknown.err) == (
        2,
        "rostergate: 'colour' is not a profile setting (`rostergate profiles matrix` lists them)\n",
    )
    wrong = cli("profiles", "set", "Staff", "feed_assignable=maybe")
    assert (wrong.code, wrong.err) == (
        2,
        "rostergate: feed_assignable is on or off (true or false), not 'maybe'\n",
    )


def test_json_output_is_json_alone(cli: Cli) -> None:
    result = cli("profiles", "set", "Guest", "feed_assignable=false", "--json")
    assert result.code == 0
    assert {p["name"]: p["feed_assignable"] for p in result.json()}["Guest"] is False
    assert result.err.splitlines()[0] == "Guest: feed_assignable True -> False"
    moved = cli("profiles", "match", "Staff", "Guest", "--json")
    assert "Guest" in {p["name"]: p for p in moved.json()}["Staff"]["matches"]
    assert moved.err == "'Guest' moved from Guest\n"
