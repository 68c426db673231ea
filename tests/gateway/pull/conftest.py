"""Gateway A serving its store through its OneRoster provider, and gateway B that pulls it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from gateway import pull as pulling
from gateway.config import Config
from gateway.queue.worker import work
from gateway.store import pulls, sources
from gateway.store.db import make_engine, make_sessions
from gateway.web.app import create_app
from tests.gateway.web.oneroster_world import ROSTER, load, register
from tests.support import databases
from tests.support.cli import Cli, Result

ServerMaker = Callable[[Any], Awaitable[TestServer]]


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A Fernet key in the environment, as a deployment sets it."""
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("ROSTERGATE_SECRET_KEY", key)
    return key


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pull's backoff waits, recorded instead of slept."""
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(pulling, "sleep", sleep)
    return waited


@dataclass
class Gateway:
    """Gateway B: its store, its config, and its CLI."""

    url: str
    sessions: sessionmaker[Session]
    config: Config
    cli: Cli
    monkeypatch: pytest.MonkeyPatch
    a_url: str

    def run(self, *args: str) -> Result:
        """Run `rostergate …` against B's store."""
        self.monkeypatch.setenv("ROSTERGATE_DATABASE_URL", self.url)
        self.monkeypatch.setenv("ROSTERGATE_SPOOL_DIR", self.config.spool_dir)
        try:
            return self.cli(*args)
        finally:
            self.monkeypatch.setenv("ROSTERGATE_DATABASE_URL", self.a_url)

    def configure(self, name: str, fmt: str, **settings: Any) -> None:
        """Add a pulled source directly in B's store."""
        from gateway.pull.settings import checked

        with self.sessions.begin() as session:
            sources.add(session, name, fmt, [], {})
            pulls.configure(session, name, checked(self.config, fmt, settings))

    def drain(self) -> None:
        """Run every queued run."""
        work(self.sessions, self.config, drain=True)


@pytest.fixture
def b(
    database_url: str,
    tmp_path: Path,
    sqlite_template: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Gateway]:
    """Gateway B, on a store of its own of the same kind as A's."""
    folder = tmp_path / "b"
    folder.mkdir()
    if database_url.startswith("sqlite"):
        url = databases.sqlite_copy(sqlite_template, folder)
    else:
        url = databases.postgres_copy(request.getfixturevalue("postgres_admin_url"))
    engine = make_engine(url)
    config = Config(database_url=url, spool_dir=str(folder / "spool"), pull_backoff_seconds=1.0)
    yield Gateway(url, make_sessions(engine), config, cli, monkeypatch, database_url)
    engine.dispose()


@dataclass
class Provider:
    """Gateway A's provider on loopback, and the credentials of B's OAuth client."""

    root: str
    client_id: str
    secret: str


@pytest.fixture
async def provider(
    aiohttp_server: ServerMaker, cli: Cli, database_url: str, tmp_path: Path
) -> Provider:
    """Gateway A, holding Nordby skole, serving it to client gateway-b."""
    load(cli, tmp_path)
    secret = register(cli, "gateway-b", ROSTER)
    server = await aiohttp_server(create_app(Config(database_url=database_url)))
    return Provider(str(server.make_url("")).rstrip("/"), "gateway-b", secret)
