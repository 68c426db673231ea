"""Plan the revert of an applied run from its change log. Pure: the store loads the inputs.

Old values come back, expired accounts and inactive nodes become active again,
removed memberships and links are put back, and rows the run created go.
Anything changed again after the run is left alone and reported as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gateway.sync.changes import Plan
from mapping.records import RowIssue

WHOLE_ROW = "*"
DATE_FIELDS = ("begin", "end")


@dataclass(frozen=True)
class Logged:
    """One entry of a run's change log."""

    id: int
    entity: str
    row_id: int
    key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class RevertInputs:
    """The run's change log, the rows it created, and what the store holds now."""

    run_id: int
    source_id: int | None
    revision: int
    changes: list[Logged]
    later: dict[tuple[str, int], set[str]]
    created: dict[str, list[tuple[int, str]]]
    blocked: dict[tuple[str, int], str]
    existing: dict[str, set[int]]
    memberships: set[tuple[int, int, str]] = field(default_factory=set)
    links: set[tuple[int, int]] = field(default_factory=set)


def _stored(field_name: str, value: Any) -> Any:
    """A logged (JSON) value back in plan terms."""
    if field_name in DATE_FIELDS and isinstance(value, str):
        return date.fromisoformat(value)
    if field_name == "nodes":
        return tuple(value or ())
    return value


class _Reverter:
    """Builds the revert plan entry by entry."""

    def __init__(self, inputs: RevertInputs) -> None:
        self.inputs = inputs
        self.plan = Plan(inputs.source_id, inputs.revision)

    def conflict(self, entity: str, key: str, why: str) -> None:
        """Report an entry the revert leaves alone."""
        issue = RowIssue("warning", "revert_conflict", f"not reverted: {why}", entity, key)
        self.plan.issues.append(issue)

    def exists(self, change: Logged) -> bool:
        """Whether the changed row is still there."""
        return change.row_id in self.inputs.existing.get(change.entity, {change.row_id})

    def update(self, change: Logged) -> None:
        """Put back the old values of the fields nobody changed since."""
        if not self.exists(change):
            return self.conflict(change.entity, change.key, "the row no longer exists")
        after, before = change.after or {}, change.before or {}
        later = self.inputs.later.get((change.entity, change.row_id), set())
        again = sorted(set(after) & later)
        if again:
            self.conflict(
                change.entity,
                change.key,
                f"{', '.join(again)} changed again after run {self.inputs.run_id}",
            )
        diff = {
            f: (_stored(f, after[f]), _stored(f, before.get(f))) for f in after if f not in later
        }
        if diff:
            self.plan.changes[change.entity].updates.append((change.row_id, change.key, diff))

    def reactivate(self, change: Logged) -> None:
        """Make an expired account or inactive node or group active again."""
        later = self.inputs.later.get((change.entity, change.row_id), set())
        if not self.exists(change) or "status" in later or WHOLE_ROW in later:
            return self.conflict(
                change.entity,
                change.key,
                f"its status changed again after run {self.inputs.run_id}",
            )
        diff = {"status": ((change.after or {})["status"], (change.before or {})["status"])}
        self.plan.changes[change.entity].updates.append((change.row_id, change.key, diff))

    def put_back(self, change: Logged) -> None:
        """Re-create a membership or guardian link the run removed."""
        row = change.before or {}
        if change.entity == "memberships":
            key = (row["account_id"], row["group_id"], row["role"])
            parents_gone = (
                row["account_id"] not in self.inputs.existing["accounts"]
                or row["group_id"] not in self.inputs.existing["groups"]
            )
            if parents_gone or key in self.inputs.memberships:
                return self.conflict(
                    change.entity, change.key, "its account or group is gone, or it is back already"
                )
            self.plan.changes["memberships"].creates.append(
                (
                    *key,
                    _stored("begin", row.get("begin_date")),
                    _stored("end", row.get("end_date")),
                    row.get("is_primary"),
                    row.get("origin", "sync"),
                    row.get("sync_key"),
                )
            )
        else:
            pair = (row["guardian_id"], row["student_id"])
            if pair in self.inputs.links or not set(pair) <= self.inputs.existing["accounts"]:
                return self.conflict(
                    change.entity, change.key, "an account is gone, or the link is back already"
                )
            self.plan.changes["guardian_links"].creates.append(pair)

    def remove_created(self, entity: str, row_id: int, key: str) -> None:
        """Remove a row the run created, unless something came to depend on it."""
        why = self.inputs.blocked.get((entity, row_id))
        if (entity, row_id) in self.inputs.later:
            why = f"it was changed after run {self.inputs.run_id}"
        if why:
            return self.conflict(entity, key, why)
        self.plan.changes[entity].removals.append((row_id, key, "delete", {}))


def plan_revert(inputs: RevertInputs) -> Plan:
    """The plan that undoes a run, with a conflict issue for everything it leaves alone."""
    reverter = _Reverter(inputs)
    actions = {
        "update": reverter.update,
        "expire": reverter.reactivate,
        "inactivate": reverter.reactivate,
        "delete": reverter.put_back,
    }
    for change in reversed(inputs.changes):
        actions[change.action](change)
    for entity, rows in inputs.created.items():
        for row_id, key in rows:
            reverter.remove_created(entity, row_id, key)
    return reverter.plan
