"""A gateway serving Nordby skole through its OneRoster provider, and a client with a token."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.support import openapi
from tests.support.cli import Cli
from tests.support.packages import World, nordby

BASE = openapi.BASE
ROSTER = "roster.readonly"


def load(cli: Cli, tmp_path: Path, world: World | None = None) -> None:
    """Import a world (Nordby skole by default) through the CLI."""
    package = (world or nordby()).write(tmp_path / f"package-{len(list(tmp_path.iterdir()))}")
    result = cli("import", str(package), "--format", "oneroster", "--source", "sis")
    assert result.code == 0, result.err


def register(cli: Cli, name: str, *scopes: str) -> str:
    """Register an OAuth client; return its secret."""
    result = cli("oauth-client", "add", name, "--scopes", *scopes)
    assert result.code == 0, result.err
    return result.out.strip()


@dataclass
class Reader:
    """A test client holding a bearer token of one OAuth client."""

    client: TestClient[Any, Any]
    token: str = ""

    async def token_for(self, name: str, secret: str, scope: str = "") -> Any:
        """Ask the token endpoint for a token; keep it when one is granted."""
        form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        pair = base64.b64encode(f"{name}:{secret}".encode()).decode()
        headers = {"Authorization": f"Basic {pair}"}
        response = await self.client.post(f"{BASE}/token", data=form, headers=headers)
        body = await response.json()
        if response.status == 200:
            self.token = body["access_token"]
        return response.status, body

    async def get(self, path: str, **params: str) -> tuple[int, Any, Any]:
        """GET a provider path: status, JSON body and headers; the body checked against the API."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.client.get(f"{BASE}{path}", params=params, headers=headers)
        body = await response.json()
        if "fields" not in params:  # a selection leaves out required fields, as it should
            problems = openapi.errors(f"{BASE}{path}", response.status, body)
            assert problems == [], (path, response.status, problems[:5])
        return response.status, body, response.headers

    async def keys(self, path: str, **params: str) -> list[str]:
        """The sourcedIds of a collection read that must succeed."""
        status, body, _ = await self.get(path, **params)
        assert status == 200, body
        (items,) = body.values()
        return [item["sourcedId"] for item in items]
