"""Thresholds: hold a run that would expire or remove too much of a school."""

from __future__ import annotations

from collections import Counter
from typing import Any

from gateway.sync.changes import Plan
from gateway.sync.state import Snapshot

NO_SCHOOL = 0


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


def check(plan: Plan, snapshot: Snapshot, threshold: float) -> dict[str, Any] | None:
    """Why the plan must wait for approval, or None when it may be applied."""
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
            if count and (threshold == 0 or count > threshold * held_total):
                node = snapshot.nodes_by_id.get(school)
                reasons.append(
                    {
                        "school": node.name if node else "(no school)",
                        "entity": entity,
                        "removing": count,
                        "of": held_total,
                    }
                )
    if not reasons:
        return None
    return {"threshold": threshold, "reasons": reasons}


def describe(held: dict[str, Any]) -> str:
    """One line per reason a run was held."""
    share = f"{held['threshold']:.0%}"
    return "\n".join(
        f"{r['school']}: would take away {r['removing']} of {r['of']} {r['entity']} "
        f"(more than {share})"
        for r in held["reasons"]
    )
