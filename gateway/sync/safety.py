"""Thresholds: hold a run that would expire or remove too much of a school.

What a school lost to the source's runs applied within the window counts with what this
run would take away, so that a cut split across runs is held like one made at once; and a
school losing fewer than the floor is never held, so that one leaver of a small school is not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.sync.changes import Plan
from gateway.sync.state import Snapshot

NO_SCHOOL = 0
Removed = dict[str, Counter[int]]  # entity → how many per school


@dataclass(frozen=True)
class Window:
    """What the source's recent runs already took away, per entity and school."""

    hours: float = 0.0
    removed: Removed = field(default_factory=dict)


def _account_totals(snapshot: Snapshot) -> Counter[int]:
    """Active accounts of the source per school."""
    totals: Counter[int] = Counter()
    for account in snapshot.accounts.values():
        if account.status != "expired":
            totals.update(snapshot.schools_of(account.id) or (NO_SCHOOL,))
    return totals


def _group_schools(snapshot: Snapshot) -> dict[int, int]:
    """Each of the source's groups' school."""
    return {g.id: g.school_id or NO_SCHOOL for g in snapshot.groups.values()}


def _membership_totals(snapshot: Snapshot, group_school: dict[int, int]) -> Counter[int]:
    """Memberships in the source's groups per school."""
    per_group = Counter(group for _, group in snapshot.memberships.accounts_and_groups())
    totals: Counter[int] = Counter()
    for group, count in per_group.items():
        totals[group_school.get(group, NO_SCHOOL)] += count
    return totals


def _removing(
    plan: Plan, snapshot: Snapshot, group_school: dict[int, int]
) -> dict[str, Counter[int]]:
    """How many accounts and memberships the plan would take away, per school."""
    accounts: Counter[int] = Counter()
    for account_id, _, _, _ in plan.changes["accounts"].removals:
        accounts.update(snapshot.schools_of(account_id) or (NO_SCHOOL,))
    memberships: Counter[int] = Counter(
        group_school.get(before["group_id"], NO_SCHOOL)
        for _, _, _, before in plan.changes["memberships"].removals
    )
    return {"accounts": accounts, "memberships": memberships}


def removed(
    snapshot: Snapshot, changes: Iterable[tuple[str, int, dict[str, Any] | None]]
) -> Removed:
    """Logged expiries and removals (entity, row id, before) counted per school.

    An expired account has often lost the memberships that told its school: those
    removed along with it tell it then.
    """
    group_school = _group_schools(snapshot)
    memberships: Counter[int] = Counter()
    schools_by_member: dict[int, set[int]] = defaultdict(set)
    expired: list[int] = []
    for entity, row_id, before in changes:
        if entity == "accounts":
            expired.append(row_id)
        elif before is not None:
            school = group_school.get(int(before["group_id"]), NO_SCHOOL)
            memberships[school] += 1
            schools_by_member[int(before["account_id"])].add(school)
    accounts: Counter[int] = Counter()
    for account_id in expired:
        schools = snapshot.schools_of(account_id) or schools_by_member.get(account_id)
        accounts.update(schools or (NO_SCHOOL,))
    return {"accounts": accounts, "memberships": memberships}


def check(
    plan: Plan, snapshot: Snapshot, threshold: float, *, minimum: int = 1, window: Window = Window()
) -> dict[str, Any] | None:
    """Why the plan must wait for approval, or None when it may be applied.

    A threshold of 0 holds every removal, whatever the floor.
    """
    group_school = _group_schools(snapshot)
    removing = _removing(plan, snapshot, group_school)
    if not any(removing.values()):
        return None
    totals = {
        "accounts": _account_totals(snapshot),
        "memberships": _membership_totals(snapshot, group_school),
    }
    reasons = []
    for entity, removing_here in removing.items():
        for school, count in sorted(removing_here.items()):
            held_total = totals[entity][school]
            before = window.removed.get(entity, Counter())[school]
            lost = count + before
            too_many = lost >= minimum and lost > threshold * (held_total + before)
            if count and (threshold == 0 or too_many):
                node = snapshot.nodes_by_id.get(school)
                reasons.append(
                    {
                        "school": node.name if node else "(no school)",
                        "entity": entity,
                        "removing": count,
                        "of": held_total,
                        "window_removed": before,
                    }
                )
    if not reasons:
        return None
    return {
        "threshold": threshold,
        "window_hours": window.hours,
        "minimum": minimum,
        "reasons": reasons,
    }


def describe(held: dict[str, Any]) -> str:
    """One line per reason a run was held."""
    share = f"{held['threshold']:.0%}"
    return "\n".join(
        f"{r['school']}: would take away {r['removing']} of {r['of']} {r['entity']}"
        + _earlier(r.get("window_removed", 0), held.get("window_hours", 0))
        + f" (more than {share})"
        for r in held["reasons"]
    )


def _earlier(count: int, hours: float) -> str:
    """What the school already lost within the window, when it lost anything."""
    return f", after {count} in the last {hours:g} hours" if count else ""
