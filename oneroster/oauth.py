"""The provider's OAuth 2 token endpoint (client credentials, RFC 6749 §4.4) over injected tokens.

Clients authenticate with HTTP Basic (``client_secret_basic``, as the 1EdTech
security framework asks) or, for clients that cannot, ``client_id`` and
``client_secret`` in the form. A client gets the scopes it asks for when it holds
them all, or every scope it holds when it asks for none.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class Grant:
    """An issued access token, its scopes and how many seconds it lives."""

    token: str
    scopes: frozenset[str]
    expires_in: int


class Tokens(Protocol):
    """Where clients and their tokens are kept (only hashes of secrets and tokens)."""

    def client_scopes(self, client_id: str, secret: str) -> frozenset[str] | None:
        """The scopes a client holds, or None when the id or secret is wrong."""
        ...

    def issue(self, client_id: str, scopes: frozenset[str]) -> Grant:
        """A new token for an authenticated client."""
        ...

    def scopes(self, token: str) -> frozenset[str] | None:
        """The scopes of a live token, or None when it is unknown or expired."""
        ...


def _credentials(header: str, form: dict[str, str]) -> tuple[str, str] | None:
    """The client id and secret from Basic auth or the form."""
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client, sep, secret = decoded.partition(":")
        return (unquote(client), unquote(secret)) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def respond(tokens: Tokens, header: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """The token endpoint's answer: an HTTP status and a JSON body."""
    if form.get("grant_type") != "client_credentials":
        return 400, {"error": "unsupported_grant_type"}
    found = _credentials(header, form)
    held = tokens.client_scopes(*found) if found else None
    if found is None or held is None:
        return 401, {"error": "invalid_client"}
    asked = frozenset(form.get("scope", "").split())
    if not asked <= held:
        return 400, {"error": "invalid_scope", "error_description": "scope not granted"}
    grant = tokens.issue(found[0], asked or held)
    return 200, {
        "access_token": grant.token,
        "token_type": "bearer",
        "expires_in": grant.expires_in,
        "scope": " ".join(sorted(grant.scopes)),
    }
