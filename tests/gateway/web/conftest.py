"""An admin API on loopback with a site admin, a school admin and their API tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins
from gateway.config import Config
from gateway.web.app import create_app

PASSWORD = "correct horse battery"
ClientMaker = Callable[[Any], Awaitable[TestClient[Any, Any]]]


@dataclass
class Gateway:
    """A running web app and the credentials to reach it."""

    client: TestClient[Any, Any]
    site_token: str
    school_token: str

    def bearer(self, token: str) -> dict[str, str]:
        """The Authorization header for an API token."""
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def gateway(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session]
) -> Gateway:
    """The app on a fresh store; kari is a site admin, ola a school admin of Nordby skole."""
    with sessions.begin() as session:
        admins.add(session, "kari", "site", [], PASSWORD)
        admins.add(session, "ola", "school", ["Nordby skole"], PASSWORD)
        site, school = admins.issue_token(session, "kari"), admins.issue_token(session, "ola")
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    return Gateway(client, site, school)
