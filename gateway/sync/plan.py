"""Plan a run: desired state vs a snapshot of the store, as a value. Pure: no I/O."""

from __future__ import annotations

from gateway.sync import plan_accounts, plan_links, plan_members, plan_nodes
from gateway.sync.changes import Plan, Policy
from gateway.sync.context import Context
from gateway.sync.desired import Desired
from gateway.sync.state import Snapshot


def plan(desired: Desired, snapshot: Snapshot, policy: Policy) -> Plan:
    """Work out everything a run would change; the same call serves preview and apply."""
    ctx = Context(desired, snapshot, policy)
    ctx.plan.issues.extend(desired.issues)
    plan_nodes.plan_nodes(ctx)
    plan_nodes.plan_groups(ctx)
    plan_accounts.plan_accounts(ctx)
    plan_members.plan_memberships(ctx)
    plan_links.plan_links(ctx)
    ctx.summarise_blocked()
    ctx.plan.new_nodes.sort(key=_natural)
    return ctx.plan


def _natural(path: str) -> list[tuple[int, int | str]]:
    """Sort key that puts 8 before 10 and a school before its years."""
    return [(0, int(part)) if part.isdigit() else (1, part.casefold()) for part in path.split("/")]
