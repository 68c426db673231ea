"""Gateway A serving its store through its OneRoster provider, and gateway B that pulls it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
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
class Faults:
    """What A's provider does wrong, by the collection reads since the last token request."""

    fail_read: int = 0  # this read (1, 2, …) answers ``status``; 0: none
    status: int = 500
    every_time: bool = True  # False: only the first time read ``fail_read`` is reached
    expire_after: int = 0  # after this many reads, the token they used is refused (401)
    reads: int = 0
    tokens: int = 0
    expired: str = ""


@dataclass
class Provider:
    """Gateway A's provider on loopback, the credentials of B's OAuth client, its faults."""

    root: str
    client_id: str
    secret: str
    faults: Faults


def _faulty(faults: Faults) -> Any:
    """A middleware that makes A's provider fail as ``faults`` says."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.endswith("/token"):
            faults.tokens += 1
            faults.reads = 0  # each try of a pull starts with a token
            return await handler(request)
        if "/ims/oneroster/" not in request.path:
            return await handler(request)
        faults.reads += 1
        bearer = request.headers.get("Authorization", "")
        if faults.expire_after and faults.reads > faults.expire_after and not faults.expired:
            faults.expired = bearer
        if faults.expired and bearer == faults.expired:
            return web.json_response({"imsx_codeMajor": "failure"}, status=401)
        if faults.fail_read and faults.reads == faults.fail_read:
            if not faults.every_time:
                faults.fail_read = 0
            return web.json_response({"imsx_codeMajor": "failure"}, status=faults.status)
        return await handler(request)

    return middleware


@pytest.fixture
async def provider(
    aiohttp_server: ServerMaker, cli: Cli, database_url: str, tmp_path: Path
) -> Provider:
    """Gateway A, holding Nordby skole, serving it to client gateway-b."""
    load(cli, tmp_path)
    secret = register(cli, "gateway-b", ROSTER)
    faults = Faults()
    app = create_app(Config(database_url=database_url))
    app.middlewares.append(_faulty(faults))
    server = await aiohttp_server(app)
    return Provider(str(server.make_url("")).rstrip("/"), "gateway-b", secret, faults)
