"""Feed sources in the store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store import models as m


def ensure(session: Session, name: str) -> int:
    """The id of the named source, created on first use."""
    source_id = session.scalar(select(m.Source.id).where(m.Source.name == name))
    if source_id is None:
        source = m.Source(name=name)
        session.add(source)
        session.flush()
        source_id = source.id
    return source_id
