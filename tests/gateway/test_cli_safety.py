"""The safety net end to end, on SQLite and PostgreSQL: damaged full snapshots remove nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.ims.xmlfeed import feed, group, member, membership, person, role
from tests.oneroster.conftest import manifest_text
from tests.support.cli import Cli
from tests.support.packages import USERS, nordby

STAMP = "2026-09-01T08:00:00.000Z"
DAMAGED_P3 = "P3,,,true,S1"  # the row cut short: no role, so the reader skips it with an error


def imported(cli: Cli, path: Path, code: int = 0) -> dict[str, Any]:
    """Import a feed and return its report."""
    result = cli("import", path, "--json")
    assert result.code == code, result.err or result.out
    return dict(result.json())


def statuses(cli: Cli) -> dict[str, str]:
    """Account status by sync key."""
    return {a["sync_key"]: a["status"] for a in cli.json("list", "accounts")}


def member_count(cli: Cli) -> int:
    """How many memberships the store holds."""
    return len(cli.json("list", "memberships"))


def suspended(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(severity, entity, message) of each removals_suspended issue."""
    return [
        (i["severity"], i["entity"], i["message"])
        for i in report["issues"]
        if i["code"] == "removals_suspended"
    ]


def removed(report: dict[str, Any]) -> dict[str, int]:
    """Expired plus removed, per entity."""
    return {e: c["expired"] + c["removed"] for e, c in report["counts"].items()}


# Nordby (13 accounts, 22 memberships), then the same bulk package with P3's users.csv row cut
# short and P3's two enrollments gone: without the rule P3 expires and loses both memberships.
def test_a_damaged_users_file_in_a_full_package_expires_nobody(cli: Cli, tmp_path: Path) -> None:
    world = nordby(10)
    imported(cli, world.write(tmp_path / "first"))
    second = world.without("P3").write(tmp_path / "second")
    users = (second / "users.csv").read_text(encoding="utf-8")
    (second / "users.csv").write_text(users + DAMAGED_P3 + "\n", encoding="utf-8")
    report = imported(cli, second)
    assert report["state"] == "applied"
    assert removed(report) == dict.fromkeys(report["counts"], 0)
    assert statuses(cli)["P3"] == "active"
    assert member_count(cli) == 22
    assert suspended(report) == [
        (
            "warning",
            "accounts",
            "1 account would have been expired; suspended, as users.csv had 1 damaged row",
        ),
        (
            "warning",
            "memberships",
            "2 memberships would have been removed; suspended, as they belong to accounts "
            "the feed did not deliver, and users.csv had 1 damaged row",
        ),
    ]


def test_a_damaged_users_file_in_a_delta_still_deletes(cli: Cli, tmp_path: Path) -> None:
    imported(cli, nordby(10).write(tmp_path / "first"))
    delta = tmp_path / "delta"
    delta.mkdir()
    users = f"{USERS}\nP4,tobedeleted,{STAMP},true,S1,student,,,Nora,Olsen,,,,,,,,\n{DAMAGED_P3}\n"
    (delta / "users.csv").write_text(users, encoding="utf-8")
    (delta / "manifest.csv").write_text(
        manifest_text("1.1", {"users.csv": users}, {"users": "delta"}), encoding="utf-8"
    )
    report = imported(cli, delta)
    assert ("error", "missing_value") in {(i["severity"], i["code"]) for i in report["issues"]}
    assert (report["counts"]["accounts"]["expired"], suspended(report)) == (1, [])
    assert statuses(cli)["P4"] == "expired"
    assert member_count(cli) == 20  # P4's two memberships went with the account


# The same package with a duplicate key instead: P3's row twice, P5's row gone.
def test_a_duplicate_key_suspends_removals_of_its_entity(cli: Cli, tmp_path: Path) -> None:
    world = nordby(10)
    imported(cli, world.write(tmp_path / "first"))
    second = world.without("P5").write(tmp_path / "second")
    lines = (second / "users.csv").read_text(encoding="utf-8").splitlines()
    p3 = next(line for line in lines if line.startswith("P3,"))
    (second / "users.csv").write_text("\n".join([*lines, p3]) + "\n", encoding="utf-8")
    report = imported(cli, second)
    assert removed(report) == dict.fromkeys(report["counts"], 0)
    assert statuses(cli)["P5"] == "active"
    assert [entity for _, entity, _ in suspended(report)] == ["accounts", "memberships"]


# Nordby, then the same package with the maths group's classes.csv row cut short (no title)
# and its course and enrollments gone: without the rule the group and course become inactive
# and the group's 11 memberships go.
def test_a_damaged_classes_file_keeps_groups_and_their_memberships(
    cli: Cli, tmp_path: Path
) -> None:
    world = nordby(10)
    world.subjects["NOR8"] = ("Norsk 8", "S1")  # the second file still holds subject groups
    world.enrollments += [
        (key, "NOR8", role) for key, group, role in world.enrollments[:] if group == "MAT8"
    ]
    imported(cli, world.write(tmp_path / "first"))
    enrollments = [e for e in world.enrollments if e[1] != "MAT8"]
    subjects = {"NOR8": world.subjects["NOR8"]}
    second = replace(world, subjects=subjects, enrollments=enrollments).write(tmp_path / "second")
    classes = (second / "classes.csv").read_text(encoding="utf-8")
    damaged = ",,,Matematikk 8,,C-MAT8,,scheduled,,S1,T1,,,\n"  # a row without its key
    (second / "classes.csv").write_text(classes + damaged, encoding="utf-8")
    report = imported(cli, second)
    assert removed(report) == dict.fromkeys(report["counts"], 0)
    assert member_count(cli) == 33
    assert {g["sync_key"]: g["status"] for g in cli.json("list", "groups")} == {
        "8A": "active",
        "MAT8": "active",
        "C-MAT8": "active",
        "NOR8": "active",
        "C-NOR8": "active",
    }
    assert [(entity, message) for _, entity, message in suspended(report)] == [
        (
            "groups",
            "2 groups would have been made inactive; suspended, as classes.csv had 1 damaged row",
        ),
        (
            "memberships",
            "11 memberships would have been removed; suspended, as they belong to groups "
            "the feed did not deliver, and classes.csv had 1 damaged row",
        ),
    ]


PEOPLE = {f"{n}": (f"Given{n}", f"Family{n}") for n in range(1001, 1011)}


def ims_world(keys: list[str], enrolled: list[str], *extra: str) -> bytes:
    """A full IMS snapshot: school, class 8A, the persons ``keys`` and their 8A memberships."""
    persons = [person(k, *PEOPLE[k]) for k in keys]
    members = membership("8A", *(member(k, role("01")) for k in enrolled))
    school = group("S1", "Nordby skole", typevalue="school")
    return feed(school, group("8A", "8A", typevalue="class", parent="S1"), *persons, *extra,
                members, mode="full")  # fmt: skip


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write an IMS document."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


# Ten pupils in 8A, then a full snapshot where 1010's person element lost its id (and 1010 is
# not in 8A): without the rule 1010 expires and leaves 8A.
def test_a_damaged_person_in_a_full_ims_snapshot_expires_nobody(cli: Cli, tmp_path: Path) -> None:
    everyone = list(PEOPLE)
    imported(cli, write(tmp_path, "first.xml", ims_world(everyone, everyone)))
    damaged = person("", *PEOPLE["1010"])
    report = imported(
        cli, write(tmp_path, "second.xml", ims_world(everyone[:-1], everyone[:-1], damaged))
    )
    assert removed(report) == dict.fromkeys(report["counts"], 0)
    assert statuses(cli)["1010"] == "active"
    assert member_count(cli) == 10
    assert [(entity, message) for _, entity, message in suspended(report)] == [
        (
            "accounts",
            "1 account would have been expired; suspended, as second.xml had 1 damaged element",
        ),
        (
            "memberships",
            "1 membership would have been removed; suspended, as they belong to accounts "
            "the feed did not deliver, and second.xml had 1 damaged element",
        ),
    ]


def test_a_damaged_person_in_an_ims_delta_still_deletes(cli: Cli, tmp_path: Path) -> None:
    everyone = list(PEOPLE)
    imported(cli, write(tmp_path, "first.xml", ims_world(everyone, everyone)))
    delta = feed(person("", *PEOPLE["1010"]), person("1001", *PEOPLE["1001"], recstatus="3"))
    report = imported(cli, write(tmp_path, "delta.xml", delta))
    assert (report["counts"]["accounts"]["expired"], suspended(report)) == (1, [])
    assert statuses(cli)["1001"] == "expired"
    assert member_count(cli) == 9


def leavers(*numbers: int) -> tuple[str, ...]:
    """The keys of some of Nordby's students."""
    return tuple(f"P{n}" for n in numbers)


# Nordby with 40 students: 43 accounts, 82 memberships. Four leave (4 of 43 accounts, 8 of 82
# memberships: under 10 %), then three more (3 of 39, 6 of 74: under 10 % on their own, but
# 7 of 43 and 14 of 82 within the day): the second cut waits for approval.
def test_removals_split_across_runs_add_up_within_the_window(cli: Cli, tmp_path: Path) -> None:
    world = nordby(40)
    imported(cli, world.write(tmp_path / "first"))
    first = imported(cli, world.without(*leavers(11, 12, 13, 14)).write(tmp_path / "second"))
    assert (first["state"], first["counts"]["accounts"]["expired"]) == ("applied", 4)
    third = world.without(*leavers(11, 12, 13, 14, 15, 16, 17)).write(tmp_path / "third")
    held = imported(cli, third, code=3)
    assert held["held"] == {
        "threshold": 0.1,
        "window_hours": 24.0,
        "minimum": 2,
        "reasons": [
            {
                "school": "Nordby skole",
                "entity": "accounts",
                "removing": 3,
                "of": 39,
                "window_removed": 4,
            },
            {
                "school": "Nordby skole",
                "entity": "memberships",
                "removing": 6,
                "of": 74,
                "window_removed": 8,
            },
        ],
    }
    assert statuses(cli)["P15"] == "active"
    assert cli.json("approve", held["run"])["state"] == "applied"
    assert statuses(cli)["P15"] == "expired"
    # The approval covers what came before it: one more leaver is 1 of 36 again.
    fourth = world.without(*leavers(11, 12, 13, 14, 15, 16, 17, 18)).write(tmp_path / "fourth")
    assert imported(cli, fourth)["state"] == "applied"


def test_a_window_of_zero_hours_checks_each_run_alone(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "rostergate.toml").write_text("[sources.oneroster]\nremoval_window = 0\n")
    world = nordby(40)
    imported(cli, world.write(tmp_path / "first"))
    imported(cli, world.without(*leavers(11, 12, 13, 14)).write(tmp_path / "second"))
    third = imported(
        cli, world.without(*leavers(11, 12, 13, 14, 15, 16, 17)).write(tmp_path / "third")
    )
    assert (third["state"], third["counts"]["accounts"]["expired"]) == ("applied", 3)


# A school of three students (6 accounts with the teacher and two guardians, 8 memberships):
# one leaver is 1 of 6 accounts and 2 of 8 memberships, far over 10 %.
def test_a_removal_below_the_floor_is_not_held(cli: Cli, tmp_path: Path) -> None:
    world = nordby(3)
    imported(cli, world.write(tmp_path / "first"))
    one_membership = world.without()
    one_membership.enrollments.remove(("P3", "MAT8", "student"))
    report = imported(cli, one_membership.write(tmp_path / "second"))  # 1 of 8: under the floor
    assert (report["state"], report["counts"]["memberships"]["removed"]) == ("applied", 1)
    held = imported(cli, world.without("P3").write(tmp_path / "third"), code=3)  # 1 + 1 and 1 + 2
    assert [(r["entity"], r["removing"], r["window_removed"]) for r in held["held"]["reasons"]] == [
        ("memberships", 1, 1)
    ]


def test_the_floor_is_a_setting(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "rostergate.toml").write_text("removal_min = 1\n")
    world = nordby(3)
    imported(cli, world.write(tmp_path / "first"))
    one_membership = world.without()
    one_membership.enrollments.remove(("P3", "MAT8", "student"))
    held = imported(cli, one_membership.write(tmp_path / "second"), code=3)
    assert held["held"]["reasons"][0]["removing"] == 1
