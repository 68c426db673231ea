"""Browser sessions: a random cookie whose hash the store keeps, with its CSRF token.

Kept in the store rather than in a signed cookie, so signing out ends the session on
every replica at once and no signing key has to be shared between them.
"""

from __future__ import annotations

import secrets as random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.auth import admins, audit
from gateway.auth.scopes import Principal
from gateway.auth.secrets import token_hash
from gateway.store import models as m

LIFETIME = timedelta(hours=8)
FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=15)


def _now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def start(session: Session, username: str) -> tuple[str, str]:
    """Open a session for an admin: the cookie's value and the CSRF token."""
    admin = admins.get(session, username)
    cookie, csrf = random.token_urlsafe(32), random.token_urlsafe(32)
    session.execute(delete(m.WebSession).where(m.WebSession.expires_at < _now()))
    session.add(
        m.WebSession(
            admin_id=admin.id,
            token_hash=token_hash(cookie),
            csrf_token=csrf,
            expires_at=_now() + LIFETIME,
        )
    )
    return cookie, csrf


def resolve(session: Session, cookie: str) -> tuple[Principal, str] | None:
    """The admin and CSRF token of a live session, or None."""
    row = session.scalar(select(m.WebSession).where(m.WebSession.token_hash == token_hash(cookie)))
    if row is None or row.expires_at < _now():
        return None
    return admins.principal(session.get_one(m.Admin, row.admin_id)), row.csrf_token


def end(session: Session, cookie: str) -> None:
    """Sign out: the session is gone on every replica."""
    session.execute(delete(m.WebSession).where(m.WebSession.token_hash == token_hash(cookie)))


def throttled(session: Session, username: str, address: str) -> bool:
    """Whether too many sign-ins failed lately for this name or from this address."""
    since = _now() - FAILURE_WINDOW
    failures = session.scalar(
        select(func.count())
        .select_from(m.AuditEntry)
        .where(
            m.AuditEntry.action == "signin.failed",
            m.AuditEntry.at >= since,
            (m.AuditEntry.target == username) | (m.AuditEntry.address == address),
        )
    )
    return (failures or 0) >= FAILURES_ALLOWED


def sign_in(session: Session, username: str, password: str, address: str) -> tuple[str, str] | str:
    """Check a sign-in and open a session: (cookie, CSRF token), or "throttled" / "refused".

    Every attempt goes to the audit log, which is also what the rate limit counts.
    """
    if throttled(session, username, address):
        return "throttled"
    if admins.sign_in(session, username, password) is None:
        audit.record(session, username or "?", "signin.failed", username, address=address)
        return "refused"
    audit.record(session, username, "signin", username, address=address)
    return start(session, username)
