"""The audit log: every admin action, who did it, when and from where."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
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


def entries(session: Session, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The newest entries first."""
    rows = session.scalars(
        select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(limit).offset(offset)
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
