"""Passwords: made, hashed (argon2, the only form the store keeps) and their rules.

A password is never logged, reported or shown again after it was made: the change log
says "password changed", and only the hash stays.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher

from gateway.errors import UsageError
from gateway.store import models as m

CHANGE_RULES = ("must_change", "may_change", "may_not_change")
CHANGED = "password changed"  # what the change log keeps instead of the password
_HASHER = PasswordHasher()


def make(length: int, alphabet: str) -> str:
    """A random password of ``length`` characters drawn from ``alphabet``."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hashed(password: str) -> str:
    """The argon2 hash of a password."""
    if not password:
        raise UsageError("a password cannot be empty")
    return _HASHER.hash(password)


def matches(password_hash: str, password: str) -> bool:
    """Whether a password is the one a hash was made from."""
    try:
        return _HASHER.verify(password_hash, password)
    except Exception:  # argon2's mismatch and malformed-hash errors alike
        return False


def set_hash(account: m.Account, password_hash: str) -> None:
    """Give an account a password (by its hash), as of now."""
    account.password_hash = password_hash
    account.password_set_at = datetime.now(UTC).replace(tzinfo=None)


def change_rule(value: str) -> str:
    """A password_change value checked."""
    if value not in CHANGE_RULES:
        raise UsageError(f"password_change must be one of {', '.join(CHANGE_RULES)}, not {value!r}")
    return value


def rules(account: m.Account, profile: m.Profile) -> dict[str, object]:
    """An account's password facts as shown: set or not, the change rule, never expires."""
    change = account.password_change or profile.password_change
    never = account.password_never_expires
    return {
        "set": account.password_hash is not None,
        "set_at": account.password_set_at.isoformat(timespec="seconds")
        if account.password_set_at
        else None,
        "change": change,
        "never_expires": profile.password_never_expires if never is None else never,
    }
