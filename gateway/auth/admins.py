"""Admins: add, remove, passwords, API tokens, and turning a credential into a Principal."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.auth import secrets
from gateway.auth.scopes import Principal
from gateway.errors import NotFound, UsageError
from gateway.store import models as m

ROLES = ("site", "school")


def _now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def get(session: Session, username: str) -> m.Admin:
    """An admin by username."""
    admin = session.scalar(select(m.Admin).where(m.Admin.username == username))
    if admin is None:
        raise NotFound(f"there is no admin {username!r}")
    return admin


def principal(admin: m.Admin) -> Principal:
    """The Principal an admin acts as."""
    if admin.role == "site":
        return Principal("site", admin.username)
    return Principal("school", admin.username, tuple(admin.schools or ()))


def check_password(password: str) -> None:
    """Refuse a password too short to be one."""
    if len(password) < secrets.MIN_PASSWORD:
        raise UsageError(f"a password needs at least {secrets.MIN_PASSWORD} characters")


def add(session: Session, username: str, role: str, schools: list[str], password: str) -> m.Admin:
    """Add an admin; a school admin needs at least one school."""
    if role not in ROLES:
        raise UsageError(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "school" and not schools:
        raise UsageError("a school admin needs --schools: the schools they manage")
    if role == "site" and schools:
        raise UsageError("a site admin reaches every school: leave out --schools")
    if not username.strip():
        raise UsageError("an admin needs a username")
    if session.scalar(select(m.Admin.id).where(m.Admin.username == username)):
        raise UsageError(f"there is already an admin {username!r}")
    check_password(password)
    admin = m.Admin(
        username=username,
        role=role,
        schools=schools,
        password_hash=secrets.hash_password(password),
    )
    session.add(admin)
    session.flush()
    return admin


def remove(session: Session, username: str) -> None:
    """Remove an admin and their tokens."""
    admin = get(session, username)
    session.execute(delete(m.AdminToken).where(m.AdminToken.admin_id == admin.id))
    session.delete(admin)


def set_password(session: Session, username: str, password: str) -> None:
    """Give an admin a new password."""
    check_password(password)
    get(session, username).password_hash = secrets.hash_password(password)


def issue_token(session: Session, username: str) -> str:
    """A new API token for an admin, returned once; only its hash is kept."""
    admin = get(session, username)
    token = secrets.new_token("rga")
    session.add(m.AdminToken(admin_id=admin.id, token_hash=secrets.token_hash(token)))
    return token


def listing(session: Session) -> list[dict[str, Any]]:
    """Every admin with their role, schools and how many tokens they hold."""
    tokens: dict[int, int] = {}
    for admin_id in session.scalars(select(m.AdminToken.admin_id)):
        tokens[admin_id] = tokens.get(admin_id, 0) + 1
    return [
        {
            "username": a.username,
            "role": a.role,
            "schools": list(a.schools or ()),
            "tokens": tokens.get(a.id, 0),
            "created_at": a.created_at,
        }
        for a in session.scalars(select(m.Admin).order_by(m.Admin.username))
    ]


def sign_in(session: Session, username: str, password: str) -> Principal | None:
    """The Principal for a username and password, or None when they do not match."""
    admin = session.scalar(select(m.Admin).where(m.Admin.username == username))
    stored = admin.password_hash if admin else None
    # Verify even for an unknown name, so timing does not tell which names exist.
    ok = secrets.password_matches(stored or _dummy_hash(), password)
    return principal(admin) if admin is not None and ok and stored else None


def by_token(session: Session, token: str) -> Principal | None:
    """The Principal an API token stands for, or None; its last use is recorded."""
    row = session.scalar(
        select(m.AdminToken).where(m.AdminToken.token_hash == secrets.token_hash(token))
    )
    if row is None:
        return None
    row.last_used_at = _now()
    return principal(session.get_one(m.Admin, row.admin_id))


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown, made on first need."""
    return secrets.hash_password("not a real password, only for timing")
