"""Policy holes seen in use, end to end through the CLI on SQLite and PostgreSQL (issue 11, item 8).

The feeds are small files in the gateway's own CSV, shaped like the LMS admin's "import users
from a file" flow: one pupil per row with a school column, year and class, and the pupil's
guardians in ``Foresatt`` columns, as Norwegian registers export them for the start of a year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.cli import Cli

STAFF = "ID;Fornavn;Etternavn;Skole;Rolle\nT1;Marit;Haugen;Nordby skole;lærer\n"
STAFF += "T2;Sven;Sand;Sørby skole;lærer\n"
# Two schools. G1 is the guardian of a Nordby pupil only; G2 of pupils at both schools.
PUPILS = """\
ID;Fornavn;Etternavn;Skole;Trinn;Klasse;Foresatt1 ID;Foresatt1 Fornavn;Foresatt1 Etternavn
P1;Åse;Ødegård;Nordby skole;8;8A;G1;Per;Ødegård
P2;Nora;Lie;Nordby skole;8;8A;G2;Lars;Lie
P3;Live;Lie;Sørby skole;9;9A;G2;Lars;Lie
"""


def imported(cli: Cli, tmp_path: Path, name: str, text: str, *args: str) -> dict[str, Any]:
    """Write a CSV feed, import it (it must apply) and return its report."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report: dict[str, Any] = cli.json("import", path, "--format", "csv", *args)
    assert report["state"] == "applied", report
    return report


def by_code(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The report's issues grouped by code."""
    found: dict[str, list[dict[str, Any]]] = {}
    for issue in report["issues"]:
        found.setdefault(issue["code"], []).append(issue)
    return found


def test_guardians_of_pupils_a_school_does_not_sync_are_not_created(
    cli: Cli, tmp_path: Path
) -> None:
    imported(cli, tmp_path, "staff.csv", STAFF)
    assert cli("settings", "Nordby skole", "--set", "sync_students=false").code == 0
    report = imported(cli, tmp_path, "pupils.csv", PUPILS, "--role", "elev")
    accounts = report["counts"]["accounts"]
    assert (accounts["created"], accounts["skipped"]) == (2, 3)  # P3 and G2; P1, P2 and G1
    stored = {a["sync_key"]: a["profile"] for a in cli.json("list", "accounts")}
    assert stored == {"T1": "Staff", "T2": "Staff", "P3": "Student", "G2": "Guardian"}
    links = report["counts"]["guardian_links"]
    assert (links["created"], links["skipped"]) == (1, 2)  # G2>P3; G1>P1 and G2>P2
    issues = by_code(report)
    (orphans,) = issues["no_linked_pupil"]
    assert (orphans["severity"], orphans["entity"], orphans["skipped"]) == ("info", "accounts", 1)
    assert orphans["message"] == "1 guardian(s) skipped: no pupil they are linked to is synced"
    (off,) = [i for i in issues["setting_off"] if i["entity"] == "accounts"]
    assert off["skipped"] == 2 and "sync_students is off" in off["message"]
    gone = {i["entity"]: i["skipped"] for i in issues["person_skipped"]}
    assert gone == {"memberships": 2, "guardian_links": 2}  # P1's and P2's; G1>P1 and G2>P2


def test_a_manual_member_is_refused_while_the_school_does_not_allow_them(
    cli: Cli, tmp_path: Path
) -> None:
    imported(cli, tmp_path, "staff.csv", STAFF)
    imported(cli, tmp_path, "pupils.csv", PUPILS, "--role", "elev")
    refused = cli("member", "add", "Nordby skole/8/8A", "MaHa", "--role", "teacher")
    assert refused.code == 1
    assert "allow_manual_members is off at Nordby skole" in refused.err
    assert [m["username"] for m in cli.json("list", "memberships") if m["origin"] == "manual"] == []
    assert cli("settings", "Nordby skole", "--set", "allow_manual_members=true").code == 0
    assert cli("member", "add", "Nordby skole/8/8A", "MaHa", "--role", "teacher").code == 0
    manual = [(m["group"], m["username"]) for m in cli.json("list", "memberships")]
    assert ("Nordby skole/8/8A", "MaHa") in manual


def test_removing_a_synced_member_needs_force(cli: Cli, tmp_path: Path) -> None:
    imported(cli, tmp_path, "pupils.csv", PUPILS, "--role", "elev")
    members = {(m["group"], m["username"], m["origin"]) for m in cli.json("list", "memberships")}
    assert ("Nordby skole/8/8A", "AsOd", "sync") in members
    refused = cli("member", "remove", "Nordby skole/8/8A", "AsOd")
    assert refused.code == 1
    assert "the register will restore it" in refused.err and "--force" in refused.err
    assert len(cli.json("list", "memberships")) == len(members)
    forced = cli("member", "remove", "Nordby skole/8/8A", "AsOd", "--force")
    assert forced.code == 0, forced.err
    after = {(m["group"], m["username"]) for m in cli.json("list", "memberships")}
    assert ("Nordby skole/8/8A", "AsOd") not in after and len(after) == len(members) - 1
    # A manual member goes without --force: nothing will put it back.
    cli("settings", "Nordby skole", "--set", "allow_manual_members=true")
    assert cli("member", "add", "Nordby skole/8/8A", "AsOd").code == 0
    assert cli("member", "remove", "Nordby skole/8/8A", "AsOd").code == 0


def test_mapping_counts_each_person_once(cli: Cli, tmp_path: Path) -> None:
    imported(cli, tmp_path, "pupils.csv", PUPILS, "--role", "elev")
    review = {(r["role"], r["source"]): r["count"] for r in cli.json("mapping")}
    assert review == {("elev", "csv"): 3, ("guardian", "csv"): 2}
