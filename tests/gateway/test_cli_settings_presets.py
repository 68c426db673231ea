"""Settings before a school exists: site defaults, and settings kept for a named school.

From the issue: "no guardians until we say so" must hold from a school's very first
import, so the defaults and a school's kept settings apply in the run that creates it.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli
from tests.support.packages import User, nordby


def _world(tmp_path: Path, name: str) -> Path:
    """Nordby skole (S1) with two pupils and their guardians, and Sørby skole (S2)."""
    world = nordby(2)
    world.schools["S2"] = "Sørby skole"
    world.users.append(User("T2", "Siri", "Strand", "teacher", orgs="S2"))
    return world.write(tmp_path / name)


def _profiles(cli: Cli) -> dict[str, str]:
    """Sync key → profile of every account."""
    return {a["sync_key"]: a["profile"] for a in cli.json("list", "accounts")}


def test_defaults_apply_to_a_new_school_from_its_first_import(cli: Cli, tmp_path: Path) -> None:
    result = cli("settings", "--defaults", "--set", "sync_guardians=false", "--json")
    assert result.code == 0 and result.json()["sync_guardians"] is False
    assert cli.json("settings", "--defaults")["sync_guardians"] is False

    report = cli.json("import", _world(tmp_path, "p"), "--format", "oneroster")

    assert "Guardian" not in _profiles(cli).values()
    assert report["counts"]["guardian_links"]["created"] == 0
    assert cli.json("settings", "Sørby skole")["sync_guardians"] is False
    assert cli.json("settings", "Nordby skole")["sync_students"] is True


def test_settings_for_a_school_to_come_are_kept_and_claimed(cli: Cli, tmp_path: Path) -> None:
    kept = cli("settings", "Nordby skole", "--set", "sync_students=no", "--json")
    assert kept.code == 0 and "not in the store yet" in kept.err
    assert kept.json()["sync_students"] is False
    assert cli.json("settings", "Nordby skole")["sync_students"] is False

    cli.json("import", _world(tmp_path, "p"), "--format", "oneroster")

    assert "Student" not in _profiles(cli).values()  # the pupils waited
    assert "Staff" in _profiles(cli).values()  # the teachers came
    assert cli.json("settings", "Nordby skole")["sync_students"] is False
    assert cli.json("settings", "Sørby skole")["sync_students"] is True
    # Claimed: a later change is the school's own, not the preset's.
    assert cli("settings", "S1", "--set", "sync_students=yes").code == 0
    cli.json("import", _world(tmp_path, "q"), "--format", "oneroster")
    assert "Student" in _profiles(cli).values()


def test_a_school_without_settings_or_a_preset_is_not_found(cli: Cli) -> None:
    assert cli("settings", "Vestby skole").code == 1
    assert cli("settings").code == 2
    assert cli("settings", "Nordby skole", "--defaults").code == 2
