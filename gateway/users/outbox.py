"""The outbox: access e-mails waiting to be sent, sent, or given up after retries.

A row holds who and what, never a password: the sender makes the one-time password
when it sends, and only then stores its hash. The caller owns the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.config import Config
from gateway.errors import RuleError
from gateway.store import models as m

QUEUED, SENT, FAILED = "queued", "sent", "failed"
STATES = (QUEUED, SENT, FAILED)


def now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def queue(
    session: Session,
    account: m.Account,
    kind: str,
    language: str,
    run_id: int | None = None,
) -> m.Outbox:
    """Queue an access e-mail to an account's address."""
    if not account.email:
        raise RuleError(f"{account.username} has no e-mail address to send access data to")
    row = m.Outbox(
        account_id=account.id,
        kind=kind,
        address=account.email,
        language=language,
        state=QUEUED,
        attempts=0,
        next_at=now(),
        run_id=run_id,
    )
    session.add(row)
    session.flush()
    return row


def queue_access(session: Session, config: Config, account: m.Account) -> m.Outbox:
    """Queue the access data an admin asked for."""
    return queue(session, account, "access", config.mail_language)


def due(session: Session, at: datetime, limit: int = 50) -> list[m.Outbox]:
    """The queued e-mails whose time has come, oldest first."""
    query = (
        select(m.Outbox)
        .where(m.Outbox.state == QUEUED, m.Outbox.next_at <= at)
        .order_by(m.Outbox.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def failed(row: m.Outbox, error: str, config: Config) -> None:
    """Count a failed try: retried later (the wait doubling each time), or given up."""
    row.attempts += 1
    row.error = error[:1000]
    if row.attempts >= config.mail_attempts:
        row.state = FAILED
        row.next_at = None
    else:
        row.next_at = now() + timedelta(seconds=config.mail_backoff * 2 ** (row.attempts - 1))


def latest(session: Session, account_id: int) -> dict[str, Any] | None:
    """The account's latest access e-mail: its state, tries and last error."""
    row = session.scalars(
        select(m.Outbox).where(m.Outbox.account_id == account_id).order_by(m.Outbox.id.desc())
    ).first()
    if row is None:
        return None
    return {
        "kind": row.kind,
        "address": row.address,
        "state": row.state,
        "attempts": row.attempts,
        "error": row.error,
        "sent_at": row.sent_at.isoformat(timespec="seconds") if row.sent_at else None,
    }


def counts(session: Session) -> dict[str, int]:
    """How many e-mails are in each state (for /metrics)."""
    found = dict(
        session.execute(select(m.Outbox.state, func.count()).group_by(m.Outbox.state)).all()
    )
    return {state: int(found.get(state, 0)) for state in STATES}
