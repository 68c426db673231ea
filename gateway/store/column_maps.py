"""Named CSV column mappings: what the import wizard saves, for the next file of the same kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, UsageError
from gateway.store import models as m
from gateway.store.owners import now
from mapping.usernames import USERNAME_MODES

MAX_NAME = 100


def names(session: Session) -> list[str]:
    """Every saved mapping's name, in order."""
    return list(session.scalars(select(m.ColumnMapping.name).order_by(m.ColumnMapping.name)))


def get(session: Session, name: str) -> m.ColumnMapping:
    """A saved mapping by name."""
    found = session.scalar(select(m.ColumnMapping).where(m.ColumnMapping.name == name))
    if found is None:
        raise NotFound(f"there is no saved column mapping {name!r}")
    return found


def save(
    session: Session,
    name: str,
    columns: Mapping[str, Sequence[str]],
    usernames: str | None,
    by: str,
) -> m.ColumnMapping:
    """Save (or replace) a named mapping of headers to fields, with its username mode."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise UsageError(f"a mapping's name must be 1 to {MAX_NAME} characters")
    if usernames is not None and usernames not in USERNAME_MODES:
        raise UsageError(f"usernames must be one of {', '.join(USERNAME_MODES)}")
    row = session.scalar(select(m.ColumnMapping).where(m.ColumnMapping.name == name))
    if row is None:
        row = m.ColumnMapping(name=name)
        session.add(row)
    row.columns = {header: list(fields) for header, fields in columns.items()}
    row.usernames, row.saved_by, row.saved_at = usernames, by, now()
    session.flush()
    return row
