"""Site policy end to end through the CLI, on SQLite and PostgreSQL, with OneRoster packages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli
from tests.support.packages import User, World, nordby


class Feeds:
    """Writes each package into its own folder and imports it."""

    def __init__(self, cli: Cli, tmp_path: Path) -> None:
        self.cli, self.tmp_path, self.count = cli, tmp_path, 0

    def path(self, world: World) -> Path:
        """Write a package and return its folder."""
        self.count += 1
        return world.write(self.tmp_path / f"package{self.count}")

    def run(self, world: World, *args: str) -> dict[str, Any]:
        """Import a package and return its report."""
        result = self.cli("import", self.path(world), "--json", *args)
        assert result.code in (0, 3), result.err
        return dict(result.json())


@pytest.fixture
def feeds(cli: Cli, tmp_path: Path) -> Feeds:
    """Imports packages through the CLI."""
    return Feeds(cli, tmp_path)


def accounts(cli: Cli) -> dict[str, dict[str, Any]]:
    """The store's accounts by sync key."""
    return {a["sync_key"]: a for a in cli.json("list", "accounts")}


def codes(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, key) of each issue."""
    return [(i["code"], i["key"]) for i in report["issues"]]


def test_an_unmapped_role_is_skipped_until_an_admin_matches_it(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "staff.csv"
    feed.write_text("ID;Fornavn;Etternavn;Rolle\n1;Ola;Dahl;vaktmester\n2;Kari;Lie;lærer\n")
    report = cli.json("import", feed, "--format", "csv", "--source", "hr")
    assert report["counts"]["accounts"]["skipped"] == 1
    assert ("unmapped_role", "1") in codes(report)
    review = cli.json("mapping")
    assert [(r["role"], r["profile"], r["count"]) for r in review] == [
        ("vaktmester", None, 1),
        ("lærer", "Staff", 1),
    ]
    assert cli("profiles", "match", "Staff", "vaktmester", "--source", "hr").code == 0
    again = cli.json("import", feed, "--format", "csv", "--source", "hr")
    assert again["counts"]["accounts"]["created"] == 1
    assert accounts(cli)["1"]["profile"] == "Staff"
    profiles = {p["name"]: p for p in cli.json("profiles")}
    assert profiles["Staff"]["source_matches"] == {"hr": ["vaktmester"]}
    assert cli("profiles", "unmatch", "Staff", "vaktmester", "--source", "hr").code == 0
    assert cli.json("mapping", "--source", "hr")[0] == {
        "source": "hr",
        "role": "vaktmester",
        "count": 1,
        "last_run": again["run"],
        "profile": None,
    }


def test_the_register_role_decides_over_a_higher_class_role(feeds: Feeds, cli: Cli) -> None:
    world = nordby(2)
    world.users.append(User("X", "Per", "Moe", "parent", agents="P2"))
    world.enrollments.append(("X", "MAT8", "teacher"))
    report = feeds.run(world)
    assert accounts(cli)["X"]["profile"] == "Guardian"  # users.csv says parent (issue 11)
    (issue,) = [i for i in report["issues"] if i["code"] == "class_role_differs"]
    assert "first: 'X', Guardian, class roles 'teacher'" in issue["message"]


# What the full Nordby world creates, less what each setting, switched off, skips.
SETTINGS_OFF = {
    "sync_staff": {"accounts": 1, "memberships": 2},
    "sync_students": {"accounts": 12, "memberships": 20, "guardian_links": 2},  # and guardians
    "sync_guardians": {"accounts": 2, "guardian_links": 2},
    "sync_subjects": {"groups": 2, "memberships": 11},
    "sync_subject_members": {"memberships": 11},
    "sync_classes": {"memberships": 11},
    "sync_class_teachers": {"memberships": 1},
    "auto_sync": {"accounts": 13, "groups": 2, "memberships": 22, "guardian_links": 2},
}
FULL = {"accounts": 13, "groups": 2, "memberships": 22, "guardian_links": 2}


@pytest.mark.parametrize("setting", sorted(SETTINGS_OFF))
def test_each_setting_switched_off_in_turn(feeds: Feeds, cli: Cli, setting: str) -> None:
    school_only = World(homerooms={"8A": ("8A", "S1")})
    feeds.run(school_only)  # the school and its class exist before the admin turns it off
    assert cli("settings", "Nordby skole", "--set", f"{setting}=false").code == 0
    report = feeds.run(nordby(10))
    for entity, full in FULL.items():
        skipped = SETTINGS_OFF[setting].get(entity, 0)
        assert report["counts"][entity]["created"] == full - skipped, entity
    summaries = [i for i in report["issues"] if i["code"] == "setting_off"]
    assert summaries and all(setting in i["message"] for i in summaries)
    assert cli.json("settings", "Nordby skole")[setting] is False


def test_guardians_from_a_future_date_then_a_past_one(feeds: Feeds, cli: Cli) -> None:
    feeds.run(World())
    cli("settings", "Nordby skole", "--set", "guardians_from=2099-01-01")
    first = feeds.run(nordby(3))
    assert first["counts"]["guardian_links"]["created"] == 0
    assert not {"G1", "G2"} & set(accounts(cli))
    cli("settings", "Nordby skole", "--set", "guardians_from=2020-08-15")
    second = feeds.run(nordby(3))
    assert second["counts"]["accounts"]["created"] == 2
    assert second["counts"]["guardian_links"]["created"] == 2
    assert {accounts(cli)[g]["profile"] for g in ("G1", "G2")} == {"Guardian"}


def test_invalid_settings_are_usage_errors(feeds: Feeds, cli: Cli) -> None:
    feeds.run(World())
    assert cli("settings", "Nordby skole", "--set", "sync_pets=true").code == 2
    assert cli("settings", "Nordby skole", "--set", "sync_staff=maybe").code == 2
    assert cli("settings", "Nordby skole", "--set", "guardians_from=soon").code == 2
    assert cli("settings", "Sørby skole").code == 1


def test_local_email_sticks_unless_the_school_forces_the_register(feeds: Feeds, cli: Cli) -> None:
    world = nordby(2)
    feeds.run(world)
    assert cli("account", "AsOd", "--set", "email=ase@privat.no").code == 0
    changed = world.changed("P1", email="ase.odegard@nordby.no")
    report = feeds.run(changed)
    assert ("kept_local", "P1") in codes(report)
    assert accounts(cli)["P1"]["email"] == "ase@privat.no"

    cli("settings", "Nordby skole", "--set", "force_email_students=true")
    refused = cli("account", "AsOd", "--set", "email=other@privat.no")
    assert refused.code == 1
    assert "forces the register's e-mail" in refused.err
    feeds.run(changed)
    assert accounts(cli)["P1"]["email"] == "ase.odegard@nordby.no"
    assert cli("account", "MaHa", "--set", "email=marit@privat.no").code == 0  # staff not forced


@pytest.mark.parametrize("allowed", [False, True])
def test_manual_members_follow_the_school_setting(feeds: Feeds, cli: Cli, allowed: bool) -> None:
    world = nordby(10)
    feeds.run(world)
    cli("settings", "Nordby skole", "--set", "allow_manual_members=true")
    assert cli("member", "add", "MAT8", "PeOd", "--role", "student").code == 0
    cli("settings", "Nordby skole", "--set", f"allow_manual_members={str(allowed).lower()}")
    report = feeds.run(world)
    members = {(m["group"], m["username"], m["origin"]) for m in cli.json("list", "memberships")}
    assert (("MAT8", "PeOd", "manual") in members) is allowed
    assert ("manual_member_removed" in {c for c, _ in codes(report)}) is not allowed


def test_a_dropped_person_is_expired_not_deleted_and_comes_back(feeds: Feeds, cli: Cli) -> None:
    world = nordby(10)
    feeds.run(world)
    dropped = feeds.run(world.without("P3"))
    assert dropped["state"] == "applied"
    assert dropped["counts"]["accounts"]["expired"] == 1
    assert dropped["counts"]["memberships"]["removed"] == 2
    kari = accounts(cli)["P3"]
    assert (kari["status"], kari["username"]) == ("expired", "KaLi")
    assert kari["expired_at"] is not None
    back = feeds.run(world)
    assert back["counts"]["accounts"]["updated"] == 1
    assert ("restored", "P3") in codes(back)
    kari = accounts(cli)["P3"]
    assert (kari["status"], kari["username"], kari["expired_at"]) == ("active", "KaLi", None)


def test_another_sources_accounts_are_out_of_reach(feeds: Feeds, cli: Cli, tmp_path: Path) -> None:
    feeds.run(nordby(2))
    other = tmp_path / "hr.csv"
    other.write_text("ID;Fornavn;Etternavn\nH1;Hanne;Haug\n")
    cli.json("import", other, "--format", "csv", "--role", "lærer", "--source", "hr")
    feeds.run(World())  # the same OneRoster source, now without anyone
    # held: dropping everyone is far beyond the threshold; the HR account is not even counted
    assert accounts(cli)["H1"]["status"] == "active"


def test_a_snapshot_dropping_30_percent_is_held_until_approved(feeds: Feeds, cli: Cli) -> None:
    world = nordby(10)
    feeds.run(world)
    before = accounts(cli)
    result = cli("import", feeds.path(world.without("P1", "P2", "P3", "P4")), "--json")
    assert result.code == 3
    held = result.json()
    assert held["state"] == "held"
    assert held["held"]["reasons"] == [
        {
            "school": "Nordby skole",
            "entity": "accounts",
            "removing": 4,
            "of": 13,
            "window_removed": 0,
        },
        {
            "school": "Nordby skole",
            "entity": "memberships",
            "removing": 8,
            "of": 22,
            "window_removed": 0,
        },
    ]
    assert held["counts"]["accounts"]["expired"] == 4
    assert accounts(cli) == before  # nothing written
    approved = cli.json("approve", str(held["run"]))
    assert approved["state"] == "applied"
    assert sorted(k for k, a in accounts(cli).items() if a["status"] == "expired") == [
        "P1",
        "P2",
        "P3",
        "P4",
    ]
    assert cli("approve", str(held["run"])).code == 2  # not held any more


def test_a_held_run_can_be_discarded(feeds: Feeds, cli: Cli) -> None:
    world = nordby(10)
    feeds.run(world)
    held = feeds.run(world.without("P1", "P2", "P3"))
    assert held["state"] == "held"
    waiting = cli.json("changes", str(held["run"]))
    expiring = [(c["key"], c["before"], c["after"]) for c in waiting if c["entity"] == "accounts"]
    assert expiring == [
        (key, {"status": "active"}, {"status": "expired"}) for key in ("P1", "P2", "P3")
    ]
    assert {c["action"] for c in waiting if c["entity"] == "memberships"} == {"remove"}
    assert all(c["planned"] for c in waiting)
    assert cli.json("discard", str(held["run"]))["state"] == "discarded"
    assert cli.json("changes", str(held["run"])) == []  # a discarded plan is gone
    assert all(a["status"] == "active" for a in accounts(cli).values())
    assert cli("approve", str(held["run"])).code == 2


def test_approving_after_the_store_changed_is_refused(feeds: Feeds, cli: Cli) -> None:
    world = nordby(10)
    feeds.run(world)
    held = feeds.run(world.without("P1", "P2", "P3"))
    cli("account", "MaHa", "--set", "family_name=Haugen-Berg")
    refused = cli("approve", str(held["run"]))
    assert refused.code == 1
    assert "store changed" in refused.err
    assert all(a["status"] == "active" for a in accounts(cli).values())
    assert cli.json("report", str(held["run"]))["state"] == "held"


def test_revert_puts_everything_back(feeds: Feeds, cli: Cli) -> None:
    world = nordby(10)
    feeds.run(world)
    before = cli.json("list", "accounts")
    memberships = cli.json("list", "memberships")
    changed = world.without("P3").changed("P1", email="new@nordby.no")
    changed.users.append(User("P99", "Nils", "Nilsen"))
    change = feeds.run(changed)
    assert change["counts"]["accounts"] == {
        "created": 1,
        "updated": 1,
        "expired": 1,
        "removed": 0,
        "unchanged": 11,
        "skipped": 0,
    }
    preview = cli.json("revert", str(change["run"]), "--dry-run")
    assert preview["state"] == "previewed"
    assert cli.json("list", "accounts") != before
    revert = cli.json("revert", str(change["run"]))
    assert revert["state"] == "applied"
    assert revert["counts"]["accounts"] == {
        "created": 0,
        "updated": 2,
        "expired": 1,  # the account the run created: expired, never deleted
        "removed": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert revert["counts"] == preview["counts"]
    after = cli.json("list", "accounts")
    nils = [a for a in after if a["sync_key"] == "P99"]
    assert [(a["username"], a["status"]) for a in nils] == [("NiNi", "expired")]
    assert [a for a in after if a["sync_key"] != "P99"] == before
    assert sorted(cli.json("list", "memberships"), key=str) == sorted(memberships, key=str)
    assert cli.json("report", str(change["run"]))["state"] == "reverted"
    assert cli("revert", str(change["run"])).code == 2


def test_revert_skips_what_changed_again_and_reports_a_conflict(feeds: Feeds, cli: Cli) -> None:
    world = nordby(2)
    feeds.run(world)
    change = feeds.run(world.changed("P1", email="new@nordby.no", family="Ødegård-Lie"))
    cli("account", "AsOd", "--set", "email=mine@privat.no")
    revert = cli.json("revert", str(change["run"]))
    (conflict,) = [i for i in revert["issues"] if i["code"] == "revert_conflict"]
    assert (conflict["severity"], conflict["key"]) == ("warning", "P1")
    assert "email changed again" in conflict["message"]
    ase = accounts(cli)["P1"]
    assert (ase["email"], ase["family_name"]) == ("mine@privat.no", "Ødegård")
