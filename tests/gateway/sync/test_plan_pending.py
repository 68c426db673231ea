"""Pending persons in the plan, without a database: kept, made accounts, dropped (issue 11)."""

from __future__ import annotations

from gateway.sync.changes import Plan
from mapping.records import GuardianLink, Membership, Person, RoleClaim, Scope
from tests.support.snapshots import Store

ADA = Person("P1", "Ada", "Berg")


def codes(plan: Plan) -> list[tuple[str, str, str]]:
    """(severity, code, key) of each issue."""
    return [(i.severity, i.code, i.key) for i in plan.issues]


def school() -> Store:
    """A store with school N and class N/8A (its class group)."""
    store = Store()
    store.node("N")
    store.node("N/8A", "class", "N")
    store.group("N/8A", school="N", node="N/8A")
    return store


def test_a_person_without_a_role_is_kept_pending() -> None:
    plan = Store().plan(ADA, Person("P2", "Bo", "Dahl"))
    assert plan.changes["accounts"].creates == []
    assert [p.key for p in plan.pending.keep] == ["P1", "P2"]
    assert codes(plan) == [("info", "pending_no_role", "")]
    assert plan.issues[0].message.startswith("2 person(s) have no role yet")
    assert plan.changes_anything


def test_a_pending_person_sent_again_unchanged_is_not_written_again() -> None:
    store = Store()
    store.snapshot.pending["P1"] = ADA
    plan = store.plan(Person("P1", "Ada", "Berg", line=4, file="persons.xml"))
    assert (plan.pending.keep, plan.pending.drop) == ([], [])
    assert not plan.changes_anything
    renamed = store.plan(Person("P1", "Ada", "Bergh"))
    assert [p.family_name for p in renamed.pending.keep] == ["Bergh"]


def test_a_membership_makes_the_pending_person_an_account() -> None:
    store = school()
    store.snapshot.pending["P1"] = ADA
    store.snapshot.pending["P2"] = Person("P2", "Bo", "Dahl")
    plan = store.plan(Membership("P1", "N/8A", "01"))
    created = plan.changes["accounts"].creates
    assert [(c[0], c[2], c[3], c[5]) for c in created] == [("P1", "Ada", "Berg", "Student")]
    assert len(plan.changes["memberships"].creates) == 1
    assert (plan.pending.keep, plan.pending.drop) == ([], ["P1"])  # P2 waits on
    assert codes(plan) == []


def test_a_guardian_link_makes_the_pending_guardian_an_account() -> None:
    store = Store()
    store.account("S1", "Kari", "Lie")
    store.snapshot.pending["G1"] = Person("G1", "Per", "Lie")
    plan = store.plan(GuardianLink("G1", "S1"))
    assert [(c[0], c[5]) for c in plan.changes["accounts"].creates] == [("G1", "Guardian")]
    assert plan.pending.drop == ["G1"]


def test_an_unmapped_role_is_an_error_and_the_person_is_kept_pending() -> None:
    plan = Store().plan(Person("P1", "Ada", "Berg", roles=(RoleClaim("wizard"),)))
    assert codes(plan) == [("error", "unmapped_role", "P1")]
    assert plan.counts()["accounts"]["skipped"] == 1
    assert [p.key for p in plan.pending.keep] == ["P1"]


def test_an_inactive_only_role_is_reported_as_such() -> None:
    plan = school().plan(ADA, Membership("P1", "N/8A", "01", deleted=True))
    # The inactive membership goes with its pending person, and says so (every skip explained).
    assert codes(plan) == [("info", "role_inactive", "P1"), ("info", "person_skipped", "")]
    assert plan.counts()["memberships"]["skipped"] == 1
    assert [p.key for p in plan.pending.keep] == ["P1"]


def test_a_deleted_pending_person_is_dropped() -> None:
    store = Store()
    store.snapshot.pending["P1"] = ADA
    plan = store.plan(Person("P1", "Ada", "Berg", deleted=True))
    assert plan.pending.drop == ["P1"]
    assert plan.changes["accounts"].removals == []


def test_a_full_snapshot_of_persons_drops_the_pending_ones_it_leaves_out() -> None:
    store = Store()
    store.snapshot.pending["P1"] = ADA
    kept = store.plan(Person("P2", "Bo", "Dahl", roles=(RoleClaim("student"),)))
    assert kept.pending.drop == []  # a delta says nothing about P1
    full = store.plan(Person("P2", "Bo", "Dahl", roles=(RoleClaim("student"),)), Scope("accounts"))
    assert full.pending.drop == ["P1"]
    assert full.changes["accounts"].removals == []  # nothing to expire


def test_a_pending_person_blocked_by_a_setting_stays_pending() -> None:
    store = Store()
    store.node("N", sync_students=False)
    store.node("N/8A", "class", "N")
    store.group("N/8A", school="N", node="N/8A")
    store.snapshot.pending["P1"] = ADA
    plan = store.plan(Membership("P1", "N/8A", "01"))
    assert plan.changes["accounts"].creates == []
    assert (plan.pending.keep, plan.pending.drop) == ([], [])


def test_the_register_role_decides_and_a_differing_class_role_is_noted_once() -> None:
    store = school()
    pupils = [
        Person(f"P{n}", "Ada", f"Berg{n}", roles=(RoleClaim("student"),), orgs=("N",))
        for n in range(3)
    ]
    teaching = [Membership(p.key, "N/8A", "teacher") for p in pupils[:2]]
    plan = store.plan(*pupils, *teaching)
    assert {c[5] for c in plan.changes["accounts"].creates} == {"Student"}
    assert {c[2] for c in plan.changes["memberships"].creates} == {"teacher"}
    assert codes(plan) == [("info", "class_role_differs", "")]
    assert plan.issues[0].message.startswith("2 person(s) hold a class role")


def test_class_roles_decide_without_a_register_role() -> None:
    plan = school().plan(Person("T1", "Kari", "Moe"), Membership("T1", "N/8A", "02"))
    assert [c[5] for c in plan.changes["accounts"].creates] == ["Staff"]
    assert codes(plan) == []


def test_class_roles_decide_when_no_register_role_matches_a_profile() -> None:
    other = Person("T1", "Kari", "Moe", roles=(RoleClaim("Other"),))  # IMS institutionrole
    plan = school().plan(other, Membership("T1", "N/8A", "02"))
    assert [c[5] for c in plan.changes["accounts"].creates] == ["Staff"]
    assert codes(plan) == [("warning", "unmapped_role", "T1")]
