"""How a OneRoster REST client proves who it is: OAuth 2, OAuth 1.0a, or a fixed bearer token.

- ``OAuth2``: client credentials at a token endpoint (1.2, and 1.1 providers that
  moved on); the token is cached until shortly before it expires, and fetched
  anew once when the provider answers 401.
- ``OAuth1``: every request signed (1.1). HMAC-SHA256 is the 1.1 spec's method;
  HMAC-SHA1 is for older providers. oauthlib signs: the base string and its
  percent-encoding rules are easy to get subtly wrong by hand.
- ``Bearer``: a static token, as ClassLink's OAuth 2 proxy hands out.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp
from oauthlib import oauth1

from mapping.records import FeedError

# Fetch a new token this long before the old one expires: a page in flight must not outlive it.
EXPIRY_MARGIN = 30.0


@dataclass(frozen=True, slots=True)
class OAuth2:
    """OAuth 2 client credentials; ``scope`` as the provider wants it (1.2: roster scopes)."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str = ""

    def __repr__(self) -> str:  # the secret never reaches a log or a report
        return f"OAuth2(token_url={self.token_url!r}, client_id={self.client_id!r})"


@dataclass(frozen=True, slots=True)
class OAuth1:
    """OAuth 1.0a request signing with a consumer key and secret (two-legged)."""

    key: str
    secret: str
    method: Literal["HMAC-SHA256", "HMAC-SHA1"] = "HMAC-SHA256"

    def __repr__(self) -> str:
        return f"OAuth1(key={self.key!r}, method={self.method!r})"


@dataclass(frozen=True, slots=True)
class Bearer:
    """A fixed bearer token."""

    token: str

    def __repr__(self) -> str:
        return "Bearer(...)"


Auth = OAuth2 | OAuth1 | Bearer


def sign(auth: OAuth1, method: str, url: str, nonce: str = "", timestamp: str = "") -> str:
    """The Authorization header that signs ``method url`` (nonce and timestamp for tests)."""
    client = oauth1.Client(
        auth.key,
        client_secret=auth.secret,
        signature_method=auth.method,
        nonce=nonce or None,
        timestamp=timestamp or None,
    )
    _, headers, _ = client.sign(url, http_method=method)
    return str(headers["Authorization"])


class Authorizer:
    """The headers each request carries; caches the OAuth 2 token."""

    def __init__(self, auth: Auth | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.auth = auth
        self._clock = clock
        self._token = ""
        self._expires = 0.0

    @property
    def refreshable(self) -> bool:
        """Whether a 401 can be cured by fetching a new token."""
        return isinstance(self.auth, OAuth2)

    def forget(self) -> None:
        """Drop the cached token: the provider no longer takes it."""
        self._token, self._expires = "", 0.0

    async def headers(self, session: aiohttp.ClientSession, url: str) -> dict[str, str]:
        """The Authorization header for a GET of ``url`` (none without auth)."""
        auth = self.auth
        if auth is None:
            return {}
        if isinstance(auth, Bearer):
            return {"Authorization": f"Bearer {auth.token}"}
        if isinstance(auth, OAuth1):
            return {"Authorization": sign(auth, "GET", url)}
        if not self._token or self._clock() >= self._expires:
            await self._fetch_token(session, auth)
        return {"Authorization": f"Bearer {self._token}"}

    async def _fetch_token(self, session: aiohttp.ClientSession, auth: OAuth2) -> None:
        """Ask the token endpoint for a client-credentials token."""
        form = {"grant_type": "client_credentials"}
        if auth.scope:
            form["scope"] = auth.scope
        pair = f"{auth.client_id}:{auth.client_secret}".encode()
        basic = {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        try:
            async with session.post(
                auth.token_url, data=form, headers=basic, raise_for_status=False
            ) as response:
                body = await response.json(content_type=None) if response.ok else None
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise FeedError(f"the token endpoint failed: {err}", code="rest_auth") from err
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(token, str) or not token:
            raise FeedError(
                f"the token endpoint {auth.token_url} gave no access token (HTTP {status})",
                code="rest_auth",
            )
        self._token = token
        self._expires = self._clock() + max(_lifetime(body) - EXPIRY_MARGIN, 0.0)


def _lifetime(body: dict[str, object]) -> float:
    """The token's ``expires_in`` in seconds; an hour when the endpoint does not say."""
    try:
        return float(str(body["expires_in"]))
    except (KeyError, ValueError):
        return 3600.0
