"""The revert planner on its own: what it takes back, what it keeps, and why."""

from __future__ import annotations

from gateway.sync.revert import Logged, RevertInputs, plan_revert


def inputs(**fields: object) -> RevertInputs:
    """Revert inputs for run 1 of source 1, with nothing logged, created or changed since."""
    base: dict[str, object] = {
        "run_id": 1,
        "source_id": 1,
        "revision": 5,
        "changes": [],
        "later": {},
        "created": {e: [] for e in ("nodes", "groups", "accounts", "memberships")},
        "blocked": {},
        "existing": {"nodes": {1, 2}, "groups": {10}, "accounts": {100}},
    }
    return RevertInputs(**{**base, **fields})  # type: ignore[arg-type]


def test_a_kept_group_keeps_its_node_and_school_and_a_kept_node_its_parents() -> None:
    created = {
        "nodes": [(2, "S1/8A", {"status": "active"}), (1, "S1", {"status": "active"})],
        "groups": [(10, "8A", {"status": "active"})],
        "accounts": [(100, "P1", {"status": "active"})],
        "memberships": [],
    }
    needs = {("groups", 10): [("nodes", 2), ("nodes", 1)], ("nodes", 2): [("nodes", 1)]}
    blocked = {("groups", 10): "has members added after the run"}
    plan = plan_revert(inputs(created=created, needs=needs, blocked=blocked))
    assert plan.changes["nodes"].removals == []
    assert plan.changes["groups"].removals == []
    assert plan.changes["accounts"].removals == [(100, "P1", "expire", {"status": "active"})]
    conflicts = [(i.entity, i.key, i.message) for i in plan.issues]
    assert conflicts == [
        ("nodes", "S1/8A", "not reverted: group '8A', which stays, needs it"),
        ("nodes", "S1", "not reverted: group '8A', which stays, needs it"),
        ("groups", "8A", "not reverted: has members added after the run"),
    ]


def test_a_removal_is_undone_on_the_same_row_and_an_old_deletion_by_a_new_one() -> None:
    removed = {"account_id": 100, "group_id": 10, "role": "student", "status": "active"}
    changes = [
        Logged(1, "memberships", 7, "100/10/student", "remove", removed, {"status": "removed"}),
        Logged(
            2,
            "memberships",
            8,
            "100/10/teacher",
            "delete",
            {**removed, "role": "teacher", "sync_key": "E8"},
            None,
        ),
    ]
    plan = plan_revert(inputs(changes=changes))
    memberships = plan.changes["memberships"]
    assert memberships.updates == [(7, "100/10/student", {"status": ("removed", "active")})]
    assert memberships.creates == [(100, 10, "teacher", None, None, None, "sync", "E8")]
