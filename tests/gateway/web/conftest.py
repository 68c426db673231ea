"""An admin API on loopback with a site admin, a school admin and their API tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins
from gateway.config import Config
from gateway.feeds import Feed
from gateway.sync.report import Report
from gateway.sync.run import run
from gateway.web.app import create_app
from tests.support.packages import User, World, nordby

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


@dataclass
class Schools:
    """Two schools from two sources: Nordby skole (ola's) and Sørby skole (nobody's but kari's)."""

    config: Config
    sessions: sessionmaker[Session]
    folder: Path
    nordby_run: int
    sorby_run: int
    count: int = 0

    def run(self, world: World, source: str) -> Report:
        """Import a OneRoster package as ``source``."""
        self.count += 1
        path = world.write(self.folder / f"package{self.count}")
        return run(self.sessions, self.config, Feed(path, "oneroster", source))


def sorby() -> World:
    """Sørby skole: a teacher and two students in homeroom 9B."""
    world = World(schools={"S2": "Sørby skole"}, homerooms={"9B": ("9B", "S2")})
    world.users += [
        User("ST1", "Siri", "Strand", "teacher", orgs="S2"),
        User("SP1", "Lars", "Hansen", orgs="S2"),
        User("SP2", "Mia", "Fjell", orgs="S2"),
    ]
    world.enrollments += [
        ("ST1", "9B", "teacher"),
        ("SP1", "9B", "student"),
        ("SP2", "9B", "student"),
    ]
    return world


@pytest.fixture
def schools(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> Schools:
    """Nordby skole (source nordby, 10 students in 8A and MAT8) and Sørby skole (source sorby)."""
    found = Schools(Config(database_url=database_url), sessions, tmp_path, 0, 0)
    found.nordby_run = found.run(nordby(10), "nordby").run
    found.sorby_run = found.run(sorby(), "sorby").run
    return found
