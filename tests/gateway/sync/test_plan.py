"""The plan, table-driven and without a database: creates, updates, unchanged, skips."""

from __future__ import annotations

from typing import Any

import pytest

from mapping.records import GuardianLink, Membership, Org, Person, RoleClaim, Scope
from tests.support.snapshots import Store

STUDENT = (RoleClaim("elev"),)


def maria(**changes: Any) -> Person:
    """Maria Schneider, a student at Nordby skole, as a feed sends her."""
    fields: dict[str, Any] = {
        "key": "1",
        "given_name": "Maria",
        "family_name": "Schneider",
        "email": "maria@nordby.no",
        "roles": STUDENT,
        "orgs": ("Nordby skole",),
    }
    return Person(**{**fields, **changes})


def nordby() -> Store:
    """A store holding Nordby skole and Maria's account."""
    store = Store()
    store.node("Nordby skole")
    store.account(
        "1", "Maria", "Schneider", username="MaSc", email="maria@nordby.no", nodes=("Nordby skole",)
    )
    return store


def test_new_person_is_created_with_a_generated_username() -> None:
    plan = Store().plan(Org("Nordby skole", "Nordby skole", "school"), maria())
    (created,) = plan.changes["accounts"].creates
    assert created == (
        "1",
        "MaSc",
        "Maria",
        "Schneider",
        "maria@nordby.no",
        "Student",
        "active",
        ("Nordby skole",),
    )
    assert plan.changes["nodes"].creates == [("Nordby skole", "Nordby skole", "school", None)]
    assert plan.new_nodes == ["Nordby skole"]


def test_nothing_changed_is_unchanged() -> None:
    plan = nordby().plan(maria())
    assert plan.counts()["accounts"] == {
        "created": 0,
        "updated": 0,
        "expired": 0,
        "removed": 0,
        "unchanged": 1,
        "skipped": 0,
    }
    assert not plan.changes_anything


@pytest.mark.parametrize(
    ("change", "diff"),
    [
        ({"email": "maria.s@nordby.no"}, {"email": ("maria@nordby.no", "maria.s@nordby.no")}),
        ({"given_name": "Marie"}, {"given_name": ("Maria", "Marie")}),
        ({"family_name": "Schnider"}, {"family_name": ("Schneider", "Schnider")}),
        ({"enabled": False}, {"status": ("active", "locked")}),
        ({"roles": (RoleClaim("lærer"),)}, {"profile": ("Student", "Staff")}),
        ({"email": None}, {}),  # not sent: the stored value stays
        ({"username": "maria.schneider"}, {}),  # a username never changes once given
    ],
)
def test_field_changes_are_updates_with_before_and_after(
    change: dict[str, Any], diff: dict[str, tuple[Any, Any]]
) -> None:
    store = nordby()
    plan = store.plan(maria(**change))
    account_id = store.snapshot.accounts["1"].id
    assert plan.changes["accounts"].updates == ([(account_id, "1", diff)] if diff else [])


def test_moving_school_changes_the_placement() -> None:
    store = nordby()
    sorby = store.node("Sørby skole")
    plan = store.plan(maria(orgs=("Sørby skole",)))
    ((_, _, diff),) = plan.changes["accounts"].updates
    assert diff == {"nodes": ((store.snapshot.nodes["Nordby skole"].id,), (sorby,))}


def test_a_taken_username_is_generated_and_reported() -> None:
    store = Store()
    store.account("other", "Mads", "Scott", username="maria")
    plan = store.plan(maria(key="2", username="Maria", orgs=()))
    assert plan.changes["accounts"].creates[0][1] == "MaSc"
    (issue,) = plan.issues
    assert (issue.severity, issue.code) == ("info", "username_generated")


def test_usernames_generated_in_one_run_do_not_collide() -> None:
    plan = Store().plan(
        maria(orgs=()), maria(key="2", given_name="Marius", family_name="Schulz", orgs=())
    )
    assert [c[1] for c in plan.changes["accounts"].creates] == ["MaSc", "MarSch"]


def test_keep_mode_skips_a_person_whose_username_is_taken() -> None:
    store = Store()
    store.account("other", "Mads", "Scott", username="maria")
    plan = store.plan(maria(username="maria", orgs=()), usernames="keep")
    assert plan.changes["accounts"].creates == []
    assert plan.counts()["accounts"]["skipped"] == 1
    assert [(i.severity, i.code) for i in plan.issues] == [("error", "username_taken")]


def test_school_year_class_become_nodes_a_class_group_and_a_membership() -> None:
    records = [
        Org("N", "Nordby skole", "school"),
        Org("N/8", "8", "year", "N"),
        Org("N/8/8A", "8A", "class", "N/8"),
        maria(orgs=("N/8",)),
        Membership("1", "N/8/8A", "elev"),
    ]
    plan = Store().plan(*records)
    assert plan.changes["nodes"].creates == [
        ("N", "Nordby skole", "school", None),
        ("N/8", "8", "year", "N"),
        ("N/8/8A", "8A", "class", "N/8"),
    ]
    assert plan.changes["groups"].creates == [
        ("N/8/8A", "8A", "class", "N/8/8A", "N", None, "", None, None)
    ]
    assert plan.changes["memberships"].creates == [
        ("1", "N/8/8A", "student", None, None, None, "sync", None)
    ]
    assert plan.new_nodes == ["Nordby skole", "Nordby skole/8", "Nordby skole/8/8A"]


def test_membership_in_a_stored_group_for_a_stored_account() -> None:
    store = nordby()
    store.node("Nordby skole/8A", "class", "Nordby skole")
    group = store.group("Nordby skole/8A", school="Nordby skole", node="Nordby skole/8A")
    account = store.snapshot.accounts["1"].id
    plan = store.plan(Membership("1", "Nordby skole/8A", "elev"))
    assert plan.changes["memberships"].creates == [
        (account, group, "student", None, None, None, "sync", None)
    ]
    store.member(account, group)
    assert (
        store.plan(Membership("1", "Nordby skole/8A", "elev")).counts()["memberships"]["unchanged"]
        == 1
    )


def test_unresolved_references_are_errors_not_crashes() -> None:
    plan = Store().plan(
        Membership("ghost", "nowhere", "elev", line=9), GuardianLink("g", "ghost", line=10)
    )
    assert [(i.code, i.entity, i.line) for i in plan.issues] == [
        ("unresolved_reference", "memberships", 9),
        ("unresolved_reference", "guardian_links", 10),
    ]
    assert plan.counts()["memberships"]["skipped"] == 1


def test_guardian_link_creates_guardian_with_guardian_role() -> None:
    guardian = Person("G", "Hans", "Schneider")  # no role in the feed: the link gives it
    plan = Store().plan(maria(orgs=()), guardian, GuardianLink("G", "1"))
    profiles = {c[0]: c[5] for c in plan.changes["accounts"].creates}
    assert profiles == {"1": "Student", "G": "Guardian"}
    assert plan.changes["guardian_links"].creates == [("G", "1")]


def test_no_removals_when_the_policy_forbids_them() -> None:
    store = nordby()
    store.account("2", "Ola", "Dahl", nodes=("Nordby skole",))
    plan = store.plan(maria(), Scope("accounts"), removals=False)
    assert plan.changes["accounts"].removals == []


def test_two_role_words_for_one_hierarchy_role_are_one_membership() -> None:
    records = [Org("N", "N", "school"), Org("N/8A", "8A", "class", "N"), maria(orgs=("N",))]
    records += [Membership("1", "N/8A", "01"), Membership("1", "N/8A", "04")]  # both student
    plan = Store().plan(*records)
    assert plan.changes["memberships"].creates == [
        ("1", "N/8A", "student", None, None, None, "sync", None)
    ]
    assert plan.counts()["memberships"]["unchanged"] == 1
