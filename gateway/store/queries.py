"""Read-side queries: what `rostergate list` and the admin API show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, UsageError
from gateway.store import models as m
from gateway.store.expiry import LOCAL, expires, status, status_is
from mapping.usernames import username_key

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])  # any row shape


@dataclass(frozen=True)
class Filters:
    """What a listing is narrowed to, and which page of it is wanted."""

    school: str = ""  # key, path or name; what lies at or below it
    profile: str = ""
    status: str = ""
    source: str = ""
    search: str = ""  # part of a name, username, e-mail or key (ASCII letters in any case)
    limit: int | None = None
    offset: int = 0

    def refuse(self, listing: str, *names: str) -> None:
        """Refuse the filters this listing does not take, by name."""
        for name in names:
            if getattr(self, name):
                raise UsageError(f"{listing} cannot be filtered by {name}")

    def page(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The wanted page of rows already in order."""
        end = None if self.limit is None else self.offset + self.limit
        return list(rows[self.offset : end])


FILTER_NAMES = tuple(f.name for f in fields(Filters))

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


def school_nodes(session: Session, paths: dict[int, str], school: str) -> list[int]:
    """The nodes at or below the schools a key, path or name (any case) names."""
    query = select(m.Node.id, m.Node.sync_key, m.Node.name).where(m.Node.kind == "school")
    tops = [
        paths[i]
        for i, key, name in session.execute(query)
        if school in (key, paths[i]) or name.casefold() == school.casefold()
    ]
    if not tops:
        raise NotFound(f"there is no school {school!r}")
    return [i for i, path in paths.items() if any(_within(path, top) for top in tops)]


def _within(path: str, top: str) -> bool:
    """Whether a node path is ``top`` or lies below it."""
    return path == top or path.startswith(top + "/")


def _like(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, its wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(text: str, *columns: Any) -> ColumnElement[bool]:
    """Any of these columns holds ``text`` (ASCII letters in any case)."""
    pattern = _like(text)
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


def _paged(query: Query, filters: Filters) -> Query:
    """A query limited to the wanted page."""
    query = query.offset(filters.offset) if filters.offset else query
    return query.limit(filters.limit) if filters.limit is not None else query


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


def account_row(
    acc: m.Account, profile: str, source: str | None, nodes: list[str]
) -> dict[str, Any]:
    """One account as the lists show it (`list accounts`, the admin API's search)."""
    return {
        "sync_key": acc.sync_key,
        "source": source or LOCAL,
        "username": acc.username,
        "given_name": acc.given_name,
        "family_name": acc.family_name,
        "email": acc.email,
        "profile": profile,
        "status": status(acc),
        "expires": expires(acc),
        "expired_at": acc.expired_at.isoformat(timespec="seconds") if acc.expired_at else None,
        "local_fields": [f for f in acc.local_fields.split(",") if f],
        "nodes": nodes,
    }


def accounts(session: Session, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """The accounts (those the filters name) with profile, status and hierarchy paths."""
    paths = node_paths(session)
    a = m.Account
    query = select(a, m.Profile.name, m.Source.name).join(m.Profile).outerjoin(m.Source)
    if filters.school:
        within = school_nodes(session, paths, filters.school)
        placed = select(m.Placement.account_id).where(m.Placement.node_id.in_(within))
        in_class = (
            select(m.Membership.account_id)
            .join(m.Group)
            .where(or_(m.Group.node_id.in_(within), m.Group.school_id.in_(within)))
        )
        query = query.where(or_(a.id.in_(placed), a.id.in_(in_class)))
    if filters.profile:
        query = query.where(func.lower(m.Profile.name) == filters.profile.lower())
    if filters.status:
        query = query.where(status_is(filters.status))
    if filters.source == LOCAL:
        query = query.where(a.source_id.is_(None))
    elif filters.source:
        query = query.where(m.Source.name == filters.source)
    if filters.search:
        folded = a.username_key.like(_like(username_key(filters.search)), escape="\\")
        query = query.where(
            or_(folded, _search(filters.search, a.given_name, a.family_name, a.email, a.sync_key))
        )
    nodes = account_nodes(session, paths)
    return [
        account_row(acc, profile, source, nodes.get(acc.id, []))
        for acc, profile, source in session.execute(_paged(query.order_by(a.username_key), filters))
    ]


def nodes(session: Session, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """The hierarchy nodes (those the filters name) with their paths, by path."""
    filters.refuse("nodes", "profile")
    paths = node_paths(session)
    query = select(m.Node, m.Source.name).outerjoin(m.Source)
    if filters.school:
        query = query.where(m.Node.id.in_(school_nodes(session, paths, filters.school)))
    if filters.status:
        query = query.where(m.Node.status == filters.status)
    if filters.source:
        query = query.where(m.Source.name == filters.source)
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
    if filters.search:
        wanted = filters.search.casefold()
        rows = [r for r in rows if wanted in r["path"].casefold() or wanted in r["sync_key"]]
    return filters.page(sorted(rows, key=lambda r: (r["path"], r["sync_key"])))


def groups(session: Session, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """The groups (those the filters name) with their school and member count."""
    filters.refuse("groups", "profile")
    paths = node_paths(session)
    per_group = (
        select(m.Membership.group_id, func.count()).where(ACTIVE).group_by(m.Membership.group_id)
    )
    counts = {group_id: count for group_id, count in session.execute(per_group)}
    g = m.Group
    query = select(g, m.Source.name).outerjoin(m.Source)
    if filters.school:
        within = school_nodes(session, paths, filters.school)
        query = query.where(or_(g.school_id.in_(within), g.node_id.in_(within)))
    if filters.status:
        query = query.where(g.status == filters.status)
    if filters.source:
        query = query.where(m.Source.name == filters.source)
    if filters.search:
        query = query.where(_search(filters.search, g.name, g.sync_key))
    return [
        {
            "sync_key": group.sync_key,
            "source": source,
            "name": group.name,
            "kind": group.kind,
            "school": paths.get(group.school_id) if group.school_id else None,
            "node": paths.get(group.node_id) if group.node_id else None,
            "status": group.status,
            "members": counts.get(group.id, 0),
        }
        for group, source in session.execute(_paged(query.order_by(g.name, g.id), filters))
    ]


def memberships(session: Session, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """The memberships (those the filters name): who, in which group, as what, and how."""
    filters.refuse("memberships", "status")
    ms, a, g = m.Membership, m.Account, m.Group
    query = (
        select(a.username, g.sync_key, g.name, ms.role, ms.origin, ms.begin_date, ms.end_date)
        .join(a, ms.account_id == a.id)
        .join(g, ms.group_id == g.id)
        .where(ACTIVE)
    )
    if filters.school:
        within = school_nodes(session, node_paths(session), filters.school)
        query = query.where(or_(g.school_id.in_(within), g.node_id.in_(within)))
    if filters.profile:
        profile = select(m.Profile.id).where(func.lower(m.Profile.name) == filters.profile.lower())
        query = query.where(a.profile_id.in_(profile))
    if filters.source:
        query = query.join(m.Source, g.source_id == m.Source.id).where(
            m.Source.name == filters.source
        )
    if filters.search:
        query = query.where(_search(filters.search, a.username, g.name, g.sync_key))
    query = _paged(query.order_by(g.name, a.username_key, ms.id), filters)
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
