"""The profile matrix from the CLI: values set and stored exactly, bad values refused with the
reason, profiles copied, and each account's profile settings in `list accounts` when asked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m
from tests.gateway.test_cli_profiles import import_staff
from tests.support.cli import Cli


def stored(sessions: sessionmaker[Session], profile: str) -> dict[str, object]:
    """The values a profile holds in the store (not the catalogue's defaults)."""
    with sessions() as session:
        query = select(m.ProfileValue.key, m.ProfileValue.value).join(m.Profile)
        return {k: v for k, v in session.execute(query.where(m.Profile.name == profile))}


def matrix_values(cli: Cli, key: str) -> dict[str, object]:
    """One row of the matrix: each profile's value of a setting."""
    matrix = cli.json("profiles", "matrix")
    rows = [s for section in matrix["sections"] for s in section["settings"]]
    return dict(next(r for r in rows if r["key"] == key)["values"])


def test_values_are_set_and_stored_exactly(cli: Cli, sessions: sessionmaker[Session]) -> None:
    result = cli(
        "profiles", "set", "Staff", "auto_logout_min=60", "create_courses=site",
        "storage_quota_kb=102400 KB", "messaging=false",
    )  # fmt: skip
    assert (result.code, result.out) == (
        0,
        "Staff: auto_logout_min 80 -> 60\nStaff: create_courses school -> site\n"
        "Staff: storage_quota_kb 51200 -> 102400\nStaff: messaging True -> False\n",
    )
    assert stored(sessions, "Staff") == {
        "auto_logout_min": 60,
        "create_courses": "site",
        "storage_quota_kb": 102400,
        "messaging": False,
    }
    assert matrix_values(cli, "auto_logout_min") == {
        "System administrator": 30, "Administrator": 30, "Staff": 60,
        "Student": 80, "Guardian": 80, "Guest": 80,
    }  # fmt: skip
    again = cli("profiles", "set", "Staff", "auto_logout_min=60")
    assert (again.code, again.out) == (0, "")


def test_bad_values_are_refused_and_nothing_is_stored(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    refused = {
        ("security_level=50",): "security level 50 is already Administrator's: "
        "each profile needs its own",
        ("security_level=101",): "security_level must be at most 100, not 101",
        ("security_level=9",): "security_level must be at least 10, not 9",
        ("auto_logout_min=481",): "auto_logout_min must be at most 480, not 481",
        ("storage_quota_kb=50 MB",): "storage_quota_kb is counted in KB, not '50 MB'",
        ("storage_quota_kb=lots",): "storage_quota_kb takes a whole number, not 'lots'",
        ("create_courses=everywhere",): "create_courses takes one of none, school, site, "
        "not 'everywhere'",
        ("calendar=maybe",): "calendar is on or off (true or false), not 'maybe'",
        ("hierarchy_role=admin",): "hierarchy_role cannot be changed: create a profile from "
        "one that has the value",
        ("auto_logout_min=60", "colour=red"): "'colour' is not a profile setting "
        "(`rostergate profiles matrix` lists them)",
    }
    for pairs, message in refused.items():
        result = cli("profiles", "set", "Staff", *pairs)
        assert (result.code, result.err) == (2, f"rostergate: {message}\n"), pairs
    assert stored(sessions, "Staff") == {}
    assert matrix_values(cli, "security_level")["Staff"] == 30


def test_the_top_profile_keeps_feeds_off_when_levels_change(cli: Cli) -> None:
    result = cli("profiles", "set", "System administrator", "security_level=45")
    assert result.code == 1
    assert result.err.startswith(
        "rostergate: Administrator would be the top profile (security level 50), which no "
        "roster role may give, but role words match it (05, 07, Manager,"
    )
    moved = cli("profiles", "set", "Guest", "security_level=11")
    assert (moved.code, moved.out) == (0, "Guest: security_level 10 -> 11\n")


def test_a_profile_is_added_from_another(cli: Cli, sessions: sessionmaker[Session]) -> None:
    cli("profiles", "set", "Administrator", "auto_logout_min=45")
    result = cli("profiles", "add", "Skoleleder", "--from", "Administrator", "--level", "40")
    assert (result.code, result.out) == (0, "Skoleleder: added at security level 40\n")
    listed = {p["name"]: p for p in cli.json("profiles")}
    assert listed["Skoleleder"]["security_level"] == 40
    assert listed["Skoleleder"]["hierarchy_role"] == "admin"
    assert listed["Skoleleder"]["matches"] == []  # a role word gives one profile only
    copied = stored(sessions, "Skoleleder")
    assert (copied["auto_logout_min"], copied["user_administration"]) == (45, "school")
    assert len(copied) == 72  # every value but the three on the profile row and the role words
    [name] = [
        p["name"] for p in cli.json("profiles", "matrix")["profiles"] if p["security_level"] == 40
    ]
    assert name == "Skoleleder"

    for args, code, message in (
        (("skoleleder", "--from", "Staff", "--level", "41"), 2,
         "there is already a profile named 'skoleleder'"),
        (("Lærer", "--from", "Staff", "--level", "30"), 2,
         "security level 30 is already Staff's: each profile needs its own"),
        (("Lærer", "--from", "Nobody", "--level", "31"), 1, "there is no profile 'Nobody'"),
        (("  ", "--from", "Staff", "--level", "31"), 2, "a profile needs a name"),
    ):  # fmt: skip
        refused = cli("profiles", "add", *args)
        assert (refused.code, refused.err) == (code, f"rostergate: {message}\n"), args
    assert len(cli.json("profiles")) == 7


def test_the_matrix_as_text(cli: Cli) -> None:
    result = cli("profiles", "matrix")
    lines = result.out.splitlines()
    assert lines[0].split("  ")[0] == "setting"
    assert "System administrator (100)" in lines[0] and "Guest (10)" in lines[0]
    assert lines[2] == "[Basic]" + " " * (len(lines[2]) - 7)
    row = next(line for line in lines if line.startswith("storage_quota_kb"))
    assert row.split() == ["storage_quota_kb", *["51200", "KB"] * 5, "0", "KB"]
    row = next(line for line in lines if line.startswith("global_settings"))
    assert row.split() == ["global_settings", "✓", "✗", "✗", "✗", "✗", "✗"]


def test_accounts_carry_their_profile_settings_only_when_asked(cli: Cli, tmp_path: Path) -> None:
    import_staff(cli, tmp_path)
    cli("profiles", "set", "Staff", "auto_logout_min=60")
    plain = cli.json("list", "accounts")
    assert all("profile_settings" not in a for a in plain)
    rows = {a["sync_key"]: a for a in cli.json("list", "accounts", "--with-profile-settings")}
    assert {k: {**a, "profile_settings": None} for k, a in rows.items()} == {
        a["sync_key"]: {**a, "profile_settings": None} for a in plain
    }
    staff, admin = rows["3"]["profile_settings"], rows["2"]["profile_settings"]
    assert (staff["auto_logout_min"], staff["security_level"], staff["create_courses"]) == (
        60, 30, "school",
    )  # fmt: skip
    assert (admin["auto_logout_min"], admin["feed_assignable"], len(admin)) == (30, True, 75)
    wrong = cli("list", "accounts", "--with-profile-settings")
    assert (wrong.code, wrong.err) == (
        2,
        "rostergate: --with-profile-settings goes with `list accounts --json`\n",
    )
