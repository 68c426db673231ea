"""OAuth 2 clients of the OneRoster provider, and their short-lived tokens.

Secrets and tokens are random, so a SHA-256 of each is all the store keeps; the
secret is shown once, when the client is added. Expired tokens are deleted when
a new one is issued.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import secrets
from gateway.errors import NotFound, UsageError
from gateway.store import models as m
from oneroster.endpoints import SCOPE, SCOPES
from oneroster.oauth import Grant

TOKEN_SECONDS = 3600


def _now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def scope_uri(word: str) -> str:
    """A scope as its URI; the suffix alone (``roster.readonly``) is accepted too."""
    uri = word if word.startswith("https://") else SCOPE + word
    if uri not in SCOPES:
        known = ", ".join(s.removeprefix(SCOPE) for s in SCOPES)
        raise UsageError(f"unknown scope {word!r}: use one of {known}")
    return uri


def add(session: Session, name: str, scopes: list[str]) -> str:
    """Register a client; return its secret (shown once, only its hash is kept)."""
    if session.scalar(select(m.OAuthClient).where(m.OAuthClient.name == name)) is not None:
        raise UsageError(f"there is already an OAuth client {name!r}")
    uris = sorted({scope_uri(s) for s in scopes})
    secret = secrets.new_token("ors")
    session.add(m.OAuthClient(name=name, secret_hash=secrets.token_hash(secret), scopes=uris))
    return secret


def remove(session: Session, name: str) -> None:
    """Remove a client and its tokens."""
    client = session.scalar(select(m.OAuthClient).where(m.OAuthClient.name == name))
    if client is None:
        raise NotFound(f"there is no OAuth client {name!r}")
    session.execute(delete(m.OAuthToken).where(m.OAuthToken.client_id == client.id))
    session.delete(client)


def listing(session: Session) -> list[dict[str, Any]]:
    """Every client with its scopes."""
    return [
        {"name": c.name, "scopes": list(c.scopes), "created_at": c.created_at}
        for c in session.scalars(select(m.OAuthClient).order_by(m.OAuthClient.name))
    ]


class StoreTokens:
    """The provider's ``oneroster.oauth.Tokens`` over the store."""

    def __init__(
        self, sessions: Callable[[], sessionmaker[Session]], seconds: int = TOKEN_SECONDS
    ) -> None:
        self._sessions, self.seconds = sessions, seconds

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The store's sessions (opened when the app starts, so looked up late)."""
        return self._sessions()

    def client_scopes(self, client_id: str, secret: str) -> frozenset[str] | None:
        """The scopes of a client whose secret matches, else None."""
        with self.sessions() as session:
            client = session.scalar(select(m.OAuthClient).where(m.OAuthClient.name == client_id))
            stored = client.secret_hash if client else "0" * 64
            ok = hmac.compare_digest(stored, secrets.token_hash(secret))
            return frozenset(client.scopes) if client is not None and ok else None

    def issue(self, client_id: str, scopes: frozenset[str]) -> Grant:
        """A new token; tokens past their time are cleared on the way."""
        token = secrets.new_token("ort")
        now = _now()
        with self.sessions.begin() as session:
            client = session.scalars(
                select(m.OAuthClient).where(m.OAuthClient.name == client_id)
            ).one()
            session.execute(delete(m.OAuthToken).where(m.OAuthToken.expires_at <= now))
            session.add(
                m.OAuthToken(
                    client_id=client.id,
                    token_hash=secrets.token_hash(token),
                    scopes=sorted(scopes),
                    expires_at=now + timedelta(seconds=self.seconds),
                )
            )
        return Grant(token, scopes, self.seconds)

    def scopes(self, token: str) -> frozenset[str] | None:
        """The scopes of a live token, else None."""
        with self.sessions() as session:
            row = session.scalar(
                select(m.OAuthToken).where(m.OAuthToken.token_hash == secrets.token_hash(token))
            )
            if row is None or row.expires_at <= _now():
                return None
            return frozenset(row.scopes)
