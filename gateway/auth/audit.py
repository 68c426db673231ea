"""The audit log: every admin action, who did it, when and from where."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from gateway.store import models as m


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    address: str = "",
) -> None:
    """Log one action in the caller's transaction."""
    session.add(
        m.AuditEntry(
            at=datetime.now(UTC).replace(tzinfo=None),
            actor=actor,
            action=action,
            target=target[:255],
            detail=detail,
            address=address,
        )
    )


def _where(actor: str | None, action: str | None) -> list[ColumnElement[bool]]:
    """The conditions for entries by one actor and of one action."""
    found = []
    if actor:
        found.append(m.AuditEntry.actor == actor)
    if action:
        found.append(m.AuditEntry.action == action)
    return found


def entries(
    session: Session,
    limit: int = 100,
    offset: int = 0,
    actor: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """The newest entries first, by one actor and of one action when asked."""
    rows = session.scalars(
        select(m.AuditEntry)
        .where(*_where(actor, action))
        .order_by(m.AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "detail": e.detail,
            "address": e.address,
        }
        for e in rows
    ]


def count(session: Session, actor: str | None = None, action: str | None = None) -> int:
    """How many entries there are, by one actor and of one action when asked."""
    query = select(func.count(m.AuditEntry.id)).where(*_where(actor, action))
    return session.scalar(query) or 0


def choices(session: Session) -> tuple[list[str], list[str]]:
    """The actors and the actions the log holds, to filter by."""
    actors = session.scalars(select(m.AuditEntry.actor).distinct().order_by(m.AuditEntry.actor))
    actions = session.scalars(select(m.AuditEntry.action).distinct().order_by(m.AuditEntry.action))
    return list(actors), list(actions)
