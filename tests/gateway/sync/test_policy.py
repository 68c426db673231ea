"""Site policy in the plan, without a database: profiles, settings, locks, removal, holds."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from gateway.sync import safety
from gateway.sync.changes import Plan
from mapping.records import Group, GuardianLink, Membership, Org, Person, RoleClaim, Scope
from tests.support.snapshots import Store


def issues(plan: Plan) -> list[tuple[str, str, str]]:
    """(severity, code, key) of each issue."""
    return [(i.severity, i.code, i.key) for i in plan.issues]


def person(key: str, role: str = "student", school: str = "N", **fields: Any) -> Person:
    """A person at a school."""
    given, family = fields.pop("names", ("Ola", "Dahl"))
    return Person(key, given, family, roles=(RoleClaim(role),), orgs=(school,), **fields)


# --- match against profile ---------------------------------------------------------------


def test_an_unmapped_role_is_skipped_never_given_a_fallback() -> None:
    plan = Store().plan(person("1", "wizard", school=""))
    assert plan.changes["accounts"].creates == []
    assert plan.counts()["accounts"]["skipped"] == 1
    assert issues(plan) == [("error", "unmapped_role", "1")]
    assert plan.roles == {"wizard": 1}


def test_a_person_with_two_roles_gets_the_highest_and_the_report_says_so() -> None:
    teacher_and_parent = Person(
        "1", "Ola", "Dahl", roles=(RoleClaim("parent"), RoleClaim("teacher"))
    )
    plan = Store().plan(teacher_and_parent)
    assert plan.changes["accounts"].creates[0][5] == "Staff"
    ((severity, code, key),) = issues(plan)
    assert (severity, code, key) == ("info", "multiple_roles", "1")
    assert "Staff (30), Guardian (12)" in plan.issues[0].message


def test_membership_roles_count_towards_the_profile() -> None:
    store = Store()
    store.node("N")
    plan = store.plan(Person("1", "Ola", "Dahl", orgs=("N",)), Membership("1", "N", "02"))
    assert plan.changes["accounts"].creates[0][5] == "Staff"


def test_a_partly_unmapped_person_keeps_the_mapped_profile_with_a_warning() -> None:
    plan = Store().plan(Person("1", "Ola", "Dahl", roles=(RoleClaim("elev"), RoleClaim("wizard"))))
    assert plan.changes["accounts"].creates[0][5] == "Student"
    assert issues(plan) == [("warning", "unmapped_role", "1")]


def test_an_unmapped_membership_role_skips_the_membership() -> None:
    store = Store()
    store.node("N")
    store.node("N/8A", "class", "N")
    store.group("N/8A", school="N", node="N/8A")
    plan = store.plan(person("1"), Membership("1", "N/8A", "wizard", line=4))
    assert plan.changes["memberships"].creates == []
    assert ("error", "unmapped_role", "1@N/8A") in issues(plan)


# --- per-school settings -----------------------------------------------------------------


def school_world(**settings: Any) -> tuple[Store, list[Any]]:
    """A stored school with a class (group id 102) and a subject group, and a feed for it."""
    store = Store()
    store.node("N", **settings)
    store.node("N/8A", "class", "N")
    assert store.group("N/8A", school="N", node="N/8A") == 102
    feed = [
        Org("N", "N", "school"),
        Org("N/8A", "8A", "class", "N"),
        Org("N/8", "8", "year", "N"),
        person("S", "student"),
        person("T", "teacher", names=("Kari", "Lie")),
        Person("G", "Per", "Dahl"),
        GuardianLink("G", "S"),
        Membership("S", "N/8A", "student"),
        Membership("T", "N/8A", "teacher"),
        Membership("S", "MAT", "student"),
        Membership("T", "MAT", "teacher"),
        Membership("S", "N/8", "student"),  # a placement at the year node
    ]
    feed.append(Group("MAT", "Matematikk", "subject", school="N"))
    return store, feed


def created(plan: Plan, entity: str) -> list[str]:
    """Keys (or key pairs) of what the plan creates."""
    rows = plan.changes[entity].creates
    if entity == "memberships":
        return sorted(f"{r[0]}>{r[1]}" for r in rows)
    if entity == "guardian_links":
        return sorted(f"{r[0]}>{r[1]}" for r in rows)
    return sorted(str(r[0]) for r in rows)


ALL_ON = {
    "accounts": ["G", "S", "T"],
    "groups": ["MAT"],
    "memberships": ["S>102", "S>MAT", "T>102", "T>MAT"],  # 102: the stored 8A group's id
    "guardian_links": ["G>S"],
}


@pytest.mark.parametrize(
    ("setting", "value", "gone"),
    [
        ("sync_staff", False, {"accounts": ["T"], "memberships": ["T>102", "T>MAT"]}),
        ("sync_students", False, {"accounts": ["S", "G"], "memberships": ["S>102", "S>MAT"],
                                  "guardian_links": ["G>S"]}),
        ("sync_guardians", False, {"accounts": ["G"], "guardian_links": ["G>S"]}),
        ("guardians_from", date(2027, 1, 1), {"accounts": ["G"], "guardian_links": ["G>S"]}),
        ("guardians_from", date(2026, 1, 1), {}),
        ("sync_subjects", False, {"groups": ["MAT"], "memberships": ["S>MAT", "T>MAT"]}),
        ("sync_subject_members", False, {"memberships": ["S>MAT", "T>MAT"]}),
        ("sync_classes", False, {"memberships": ["S>102", "T>102"]}),
        ("sync_class_teachers", False, {"memberships": ["T>102"]}),
    ],
)  # fmt: skip
def test_each_setting_switched_off_in_turn(
    setting: str, value: Any, gone: dict[str, list[str]]
) -> None:
    store, feed = school_world(**{setting: value})
    plan = store.plan(*feed)
    for entity, expected in ALL_ON.items():
        kept = [k for k in expected if k not in gone.get(entity, [])]
        assert created(plan, entity) == kept, entity
    setting_issues = [i for i in plan.issues if i.code == "setting_off"]
    assert bool(setting_issues) == bool(gone)
    assert all(i.severity == "info" for i in setting_issues)


def test_guardians_from_in_the_future_names_the_date() -> None:
    store, feed = school_world(guardians_from=date(2027, 1, 1))
    (issue,) = [i for i in store.plan(*feed).issues if i.code == "setting_off"]
    assert issue.message == "1 accounts at N skipped: guardians are synced from 2027-01-01"


def test_auto_sync_off_changes_nothing_at_that_school() -> None:
    store, feed = school_world(auto_sync=False)
    store.account("S", "Ola", "Dahl", nodes=("N",), email="old@x.no")
    feed[3] = person("S", email="new@x.no")
    plan = store.plan(*feed, Scope("accounts"))
    assert not plan.changes_anything
    summary = {(i.entity, i.message) for i in plan.issues if i.code == "setting_off"}
    assert ("accounts", "3 accounts at N skipped: auto_sync is off") in summary


# --- forced e-mail and sticky local edits -------------------------------------------------


@pytest.mark.parametrize("forced", [False, True])
def test_forced_email_wins_over_a_local_edit_and_otherwise_the_edit_sticks(forced: bool) -> None:
    store = Store()
    store.node("N", force_email_students=forced)
    account = store.account("S", "Ola", "Dahl", nodes=("N",), email="local@x.no", local=("email",))
    plan = store.plan(person("S", email="register@x.no"))
    if forced:
        assert plan.changes["accounts"].updates == [
            (account, "S", {"email": ("local@x.no", "register@x.no")})
        ]
        assert issues(plan) == []
    else:
        assert plan.changes["accounts"].updates == []
        assert issues(plan) == [("info", "kept_local", "S")]


def test_a_locally_corrected_name_is_not_undone() -> None:
    store = Store()
    store.node("N")
    store.account("S", "Åse", "Dahl", nodes=("N",), local=("given_name",))
    plan = store.plan(person("S", names=("Ase", "Dahl")))
    assert plan.changes["accounts"].updates == []
    assert issues(plan) == [("info", "kept_local", "S")]


# --- manual members -----------------------------------------------------------------------


@pytest.mark.parametrize("allowed", [True, False])
def test_manual_members_on_a_synced_group(allowed: bool) -> None:
    store = Store()
    store.node("N", allow_manual_members=allowed)
    group = store.group("MAT", "subject", school="N")
    pupil = store.account("S", "Ola", "Dahl", nodes=("N",))
    visitor = store.account("V", "Vera", "Vik", nodes=("N",))
    store.member(pupil, group)
    manual = store.member(visitor, group, origin="manual")
    feed = [person("S"), person("V", names=("Vera", "Vik")), Membership("S", "MAT", "student")]
    plan = store.plan(*feed, Scope("memberships"))
    removed = [r[0] for r in plan.changes["memberships"].removals]
    assert removed == ([] if allowed else [manual])
    assert (
        ("info", "manual_member_removed", f"{visitor}/{group}/student") in issues(plan)
    ) is not allowed


# --- safe removal -------------------------------------------------------------------------


def full_store() -> tuple[Store, int, int]:
    """A school with two students in a class; returns the store, Ola's id and the group id."""
    store = Store()
    store.node("N")
    store.node("N/8A", "class", "N")
    group = store.group("N/8A", school="N", node="N/8A")
    ola = store.account("S1", "Ola", "Dahl", nodes=("N",))
    kari = store.account("S2", "Kari", "Lie", nodes=("N",))
    store.member(ola, group)
    store.member(kari, group)
    return store, ola, group


def test_a_person_missing_from_a_full_snapshot_is_expired_and_their_memberships_go() -> None:
    store, ola, group = full_store()
    plan = store.plan(person("S2", names=("Kari", "Lie")), Scope("accounts"))
    assert plan.changes["accounts"].removals == [(ola, "S1", "expire", {"status": "active"})]
    ((_, _, action, before),) = plan.changes["memberships"].removals
    assert (action, before["account_id"], before["group_id"]) == ("remove", ola, group)


def test_a_delta_deletion_expires_too() -> None:
    store, _, _ = full_store()
    plan = store.plan(Person("S1", "", "", deleted=True))
    assert [r[2] for r in plan.changes["accounts"].removals] == ["expire"]


def test_without_a_full_snapshot_missing_people_stay() -> None:
    store, _, _ = full_store()
    plan = store.plan(person("S2", names=("Kari", "Lie")))
    assert plan.changes["accounts"].removals == []


def test_an_expired_person_who_comes_back_is_the_same_account() -> None:
    store = Store()
    store.node("N")
    ola = store.account("S1", "Ola", "Dahl", nodes=("N",), status="expired")
    plan = store.plan(person("S1"))
    assert plan.changes["accounts"].updates == [(ola, "S1", {"status": ("expired", "active")})]
    assert issues(plan) == [("info", "restored", "S1")]


def test_nodes_and_groups_the_source_no_longer_sends_become_inactive() -> None:
    store, _, group = full_store()
    plan = store.plan(Org("N", "N", "school"), Scope("nodes"), Scope("groups"))
    assert [(r[1], r[2]) for r in plan.changes["nodes"].removals] == [("N/8A", "inactivate")]
    assert [(r[0], r[2]) for r in plan.changes["groups"].removals] == [(group, "inactivate")]


def test_a_rekey_keeps_the_account() -> None:
    store, ola, _ = full_store()
    plan = store.plan(
        person("NEW-1", old_key="S1"), person("S2", names=("Kari", "Lie")), Scope("accounts")
    )
    assert plan.changes["accounts"].creates == []
    assert plan.changes["accounts"].removals == []
    assert plan.changes["accounts"].updates == [(ola, "NEW-1", {"sync_key": ("S1", "NEW-1")})]
    assert ("info", "rekeyed", "NEW-1") in issues(plan)


# --- thresholds ---------------------------------------------------------------------------


def ten_students() -> Store:
    """A school with ten students."""
    store = Store()
    store.node("N")
    for n in range(10):
        store.account(f"S{n}", "Ola", f"Dahl{n}", username=f"u{n}", nodes=("N",))
    return store


@pytest.mark.parametrize(
    ("dropped", "threshold", "held"),
    [
        (3, 0.10, True),
        (1, 0.10, False),
        (2, 0.25, False),
        (3, 0.25, True),
        (1, 0.0, True),
    ],
)
def test_removals_beyond_the_threshold_are_held(dropped: int, threshold: float, held: bool) -> None:
    store = ten_students()
    feed = [person(f"S{n}", names=("Ola", f"Dahl{n}")) for n in range(dropped, 10)]
    plan = store.plan(*feed, Scope("accounts"))
    reasons = safety.check(plan, store.snapshot, threshold)
    assert (reasons is not None) == held
    if held:
        assert reasons == {
            "threshold": threshold,
            "window_hours": 0.0,
            "minimum": 1,
            "reasons": [
                {
                    "school": "N",
                    "entity": "accounts",
                    "removing": dropped,
                    "of": 10,
                    "window_removed": 0,
                }
            ],
        }


@pytest.mark.parametrize(
    ("dropped", "earlier", "minimum", "held"),
    [
        (1, 0, 2, False),  # 1 of 10 is over 5 %, but under the floor
        (2, 0, 2, True),
        (1, 1, 2, True),  # 1 + 1 of 11: the window brings it up to the floor and over 5 %
        (1, 0, 1, True),
    ],
)
def test_the_floor_and_the_window(dropped: int, earlier: int, minimum: int, held: bool) -> None:
    store = ten_students()
    feed = [person(f"S{n}", names=("Ola", f"Dahl{n}")) for n in range(dropped, 10)]
    plan = store.plan(*feed, Scope("accounts"))
    school = store.snapshot.nodes["N"].id
    window = safety.Window(24, {"accounts": Counter({school: earlier})})
    reasons = safety.check(plan, store.snapshot, 0.05, minimum=minimum, window=window)
    assert (reasons is not None) == held


def test_an_expired_account_counts_at_the_school_of_the_memberships_it_lost() -> None:
    store = Store()
    school = store.node("N")
    other = store.node("M")
    group = store.group("N/8A", school="N")
    placed = store.account("P", "Ola", "Dahl", nodes=("M",))
    unplaced = store.account("U", "Kari", "Lie")
    logged = [
        ("accounts", placed, None),
        ("accounts", unplaced, None),
        ("memberships", 999, {"account_id": unplaced, "group_id": group}),
    ]
    assert safety.removed(store.snapshot, logged) == {
        "accounts": Counter({other: 1, school: 1}),
        "memberships": Counter({school: 1}),
    }
