"""Find what an admin names on the command line: an account, a school, a group."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, UsageError
from gateway.store import models as m
from gateway.store.queries import node_paths
from mapping.usernames import username_key


def account(session: Session, username: str) -> m.Account:
    """An account by username (case-insensitive)."""
    found = session.scalar(
        select(m.Account).where(m.Account.username_key == username_key(username))
    )
    if found is None:
        raise NotFound(f"there is no account {username!r}")
    return found


def school(session: Session, name: str) -> m.Node:
    """A school node by sync key, name or path; a name two schools share is ambiguous."""
    paths = node_paths(session)
    schools = session.scalars(select(m.Node).where(m.Node.kind == "school")).all()
    for matches in (
        [s for s in schools if s.sync_key == name],
        [s for s in schools if paths[s.id] == name],
        [s for s in schools if s.name.casefold() == name.casefold()],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            keys = ", ".join(f"{paths[s.id]} (key {s.sync_key})" for s in matches)
            raise UsageError(f"{name!r} names several schools: {keys}; use the key")
    raise NotFound(f"there is no school {name!r}")


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
