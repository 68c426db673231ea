"""Find what an admin names on the command line: an account, a school, a group."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, UsageError
from gateway.store import models as m
from gateway.store.queries import node_paths
from gateway.sync.schools import School, Schools
from mapping.usernames import username_key


def account(session: Session, username: str) -> m.Account:
    """An account by username (case-insensitive)."""
    found = session.scalar(
        select(m.Account).where(m.Account.username_key == username_key(username))
    )
    if found is None:
        raise NotFound(f"there is no account {username!r}")
    return found


def schools(session: Session, source: str = "") -> Schools:
    """Every school node in the store, to be found by key, path or name; ``source`` is the
    run's, whose own schools are found first by key."""
    paths = node_paths(session)
    query = (
        select(m.Node.id, m.Node.sync_key, m.Source.name, m.Node.name)
        .outerjoin(m.Source, m.Node.source_id == m.Source.id)
        .where(m.Node.kind == "school")
    )
    return Schools(
        (School(i, key, src or "", name, paths[i]) for i, key, src, name in session.execute(query)),
        source,
    )


def school(session: Session, name: str) -> m.Node:
    """A school node by key, SOURCE:KEY, path or name; a name two schools share is ambiguous."""
    found = schools(session).find(name)
    node = session.get(m.Node, found.id) if found else None
    if node is None:
        raise NotFound(f"there is no school {name!r}")
    return node


def group(session: Session, name: str) -> m.Group:
    """A group by sync key or name."""
    query = select(m.Group).where(
        or_(m.Group.sync_key == name, func.lower(m.Group.name) == name.lower())
    )
    matches = session.scalars(query).all()
    exact = [g for g in matches if g.sync_key == name]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if matches:
        keys = ", ".join(g.sync_key for g in matches)
        raise UsageError(f"{name!r} names several groups ({keys}); use the key")
    raise NotFound(f"there is no group {name!r}")
