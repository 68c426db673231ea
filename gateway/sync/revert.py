"""Plan the revert of an applied run from its change log. Pure: the store loads the inputs.

Old values come back; expired accounts, inactive nodes and groups, removed memberships
and links become active again. What the run created is taken back the way a feed takes
things away (accounts expired, nodes and groups inactivated, memberships and links
marked removed): never deleted. Anything changed again after the run is left alone and
reported as a conflict, and so is everything such a row still needs (a kept group keeps
its node and school, a kept node its parents, a kept account the nodes it is placed at).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gateway.sync.changes import Plan
from mapping.records import RowIssue

WHOLE_ROW = "*"
DATE_FIELDS = ("begin", "end")
# How a revert takes back a row the run created.
TAKE_BACK = {"nodes": ("inactivate", "inactive"), "groups": ("inactivate", "inactive"),
             "accounts": ("expire", "expired"), "memberships": ("remove", "removed"),
             "guardian_links": ("remove", "removed")}  # fmt: skip
Row = tuple[str, int]  # (entity, id)
Created = tuple[int, str, dict[str, Any]]  # (id, key, values as the change log keeps them)


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
    later: dict[Row, set[str]]
    created: dict[str, list[Created]]
    blocked: dict[Row, str]
    existing: dict[str, set[int]]
    needs: dict[Row, list[Row]] = field(default_factory=dict)  # created row → rows it points at
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
        """Make an expired account, an inactive node or group, a removed membership or link
        active again."""
        later = self.inputs.later.get((change.entity, change.row_id), set())
        if not self.exists(change) or "status" in later or WHOLE_ROW in later:
            return self.conflict(
                change.entity,
                change.key,
                f"its status changed again after run {self.inputs.run_id}",
            )
        diff = {
            "status": (
                (change.after or {})["status"],
                (change.before or {}).get("status", "active"),
            )
        }
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

    def note_create(self, change: Logged) -> None:
        """A logged create: what the run created is taken back after the log, all at once,
        so that what a kept row needs is known first."""

    def take_back(self, entity: str, created: Created, kept: dict[Row, str]) -> None:
        """Take back a row the run created, unless something still needs it."""
        row_id, key, before = created
        if (entity, row_id) in kept:
            return self.conflict(entity, key, kept[(entity, row_id)])
        action, status = TAKE_BACK[entity]
        if before["status"] != status:
            self.plan.changes[entity].removals.append((row_id, key, action, before))


def _kept(inputs: RevertInputs) -> dict[Row, str]:
    """Created rows the revert must keep, and why: later rows depend on them, they changed
    after the run, or a kept row points at them (a group at its node, a node at its parent)."""
    keys = {(e, row_id): key for e, rows in inputs.created.items() for row_id, key, _ in rows}
    kept = {row: why for row, why in inputs.blocked.items() if row in keys}
    for row in keys:
        if row in inputs.later:
            kept.setdefault(row, f"it was changed after run {inputs.run_id}")
    waiting = list(kept)
    while waiting:
        row = waiting.pop()
        for needed in inputs.needs.get(row, ()):
            if needed in keys and needed not in kept:
                kept[needed] = f"{row[0].rstrip('s')} {keys[row]!r}, which stays, needs it"
                waiting.append(needed)
    return kept


def plan_revert(inputs: RevertInputs) -> Plan:
    """The plan that undoes a run, with a conflict issue for everything it leaves alone."""
    reverter = _Reverter(inputs)
    actions = {
        "update": reverter.update,
        "expire": reverter.reactivate,
        "inactivate": reverter.reactivate,
        "remove": reverter.reactivate,
        "delete": reverter.put_back,  # logged before removed rows were kept
        "create": reverter.note_create,
    }
    for change in reversed(inputs.changes):
        actions[change.action](change)
    kept = _kept(inputs)
    for entity, rows in inputs.created.items():
        for created in rows:
            reverter.take_back(entity, created, kept)
    return reverter.plan
