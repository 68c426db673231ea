"""Read-side queries: what `rostergate list` and the admin API show."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.store import models as m

# Removed memberships stay as rows (their history); what the store holds now is the rest.
ACTIVE = m.Membership.status == "active"


def node_paths(session: Session) -> dict[int, str]:
    """Every node's path of names from the top, e.g. ``Nordby skole/8/8A``."""
    rows = {
        nid: (name, parent)
        for nid, name, parent in session.execute(select(m.Node.id, m.Node.name, m.Node.parent_id))
    }
    paths: dict[int, str] = {}

    def path(node_id: int, seen: frozenset[int] = frozenset()) -> str:
        if node_id not in paths:
            name, parent = rows[node_id]
            above = path(parent, seen | {node_id}) if parent and parent not in seen else ""
            paths[node_id] = f"{above}/{name}" if above else name
        return paths[node_id]

    for node_id in rows:
        path(node_id)
    return paths


def _deepest(paths: set[str]) -> list[str]:
    """Drop paths that another path lies below (``Nordby skole`` next to ``Nordby skole/8A``)."""
    return sorted(p for p in paths if not any(o.startswith(p + "/") for o in paths))


def account_nodes(session: Session, paths: dict[int, str]) -> dict[int, list[str]]:
    """The hierarchy paths each account belongs to: placements and class groups."""
    found: dict[int, set[str]] = defaultdict(set)
    placed = select(m.Placement.account_id, m.Placement.node_id)
    for account_id, node_id in session.execute(placed.where(m.Placement.status == "active")):
        found[account_id].add(paths[node_id])
    classes = (
        select(m.Membership.account_id, m.Group.node_id)
        .join(m.Group)
        .where(m.Group.node_id.is_not(None), ACTIVE)
    )
    for account_id, class_node in session.execute(classes):
        if class_node is not None:
            found[account_id].add(paths[class_node])
    return {account_id: _deepest(p) for account_id, p in found.items()}


def accounts(session: Session) -> list[dict[str, Any]]:
    """Every account with its profile, status and hierarchy paths."""
    nodes = account_nodes(session, node_paths(session))
    a = m.Account
    query = (
        select(a, m.Profile.name, m.Source.name)
        .join(m.Profile)
        .outerjoin(m.Source)
        .order_by(a.username_key)
    )
    return [
        {
            "sync_key": acc.sync_key,
            "source": source,
            "username": acc.username,
            "given_name": acc.given_name,
            "family_name": acc.family_name,
            "email": acc.email,
            "profile": profile,
            "status": acc.status,
            "expired_at": acc.expired_at.isoformat(timespec="seconds") if acc.expired_at else None,
            "local_fields": [f for f in acc.local_fields.split(",") if f],
            "nodes": nodes.get(acc.id, []),
        }
        for acc, profile, source in session.execute(query)
    ]


def nodes(session: Session) -> list[dict[str, Any]]:
    """Every hierarchy node with its path."""
    paths = node_paths(session)
    query = select(m.Node, m.Source.name).outerjoin(m.Source)
    rows = [
        {
            "sync_key": n.sync_key,
            "source": source,
            "name": n.name,
            "kind": n.kind,
            "path": paths[n.id],
            "status": n.status,
        }
        for n, source in session.execute(query)
    ]
    return sorted(rows, key=lambda r: r["path"])


def groups(session: Session) -> list[dict[str, Any]]:
    """Every group with its school and member count."""
    paths = node_paths(session)
    per_group = (
        select(m.Membership.group_id, func.count()).where(ACTIVE).group_by(m.Membership.group_id)
    )
    counts = {group_id: count for group_id, count in session.execute(per_group)}
    query = select(m.Group, m.Source.name).outerjoin(m.Source).order_by(m.Group.name)
    return [
        {
            "sync_key": g.sync_key,
            "source": source,
            "name": g.name,
            "kind": g.kind,
            "school": paths.get(g.school_id) if g.school_id else None,
            "node": paths.get(g.node_id) if g.node_id else None,
            "status": g.status,
            "members": counts.get(g.id, 0),
        }
        for g, source in session.execute(query)
    ]


def memberships(session: Session) -> list[dict[str, Any]]:
    """Every active membership: who, in which group, as what, and how it got there."""
    ms = m.Membership
    query = (
        select(
            m.Account.username,
            m.Group.sync_key,
            m.Group.name,
            ms.role,
            ms.origin,
            ms.begin_date,
            ms.end_date,
        )
        .join(m.Account, ms.account_id == m.Account.id)
        .join(m.Group, ms.group_id == m.Group.id)
        .where(ACTIVE)
        .order_by(m.Group.name, m.Account.username_key)
    )
    return [
        {
            "username": user,
            "group": key,
            "group_name": name,
            "role": role,
            "origin": origin,
            "begin": begin.isoformat() if begin else None,
            "end": end.isoformat() if end else None,
        }
        for user, key, name, role, origin, begin, end in session.execute(query)
    ]
