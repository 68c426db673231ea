"""/healthz and /readyz: what a load balancer and an orchestrator ask.

A worker's config is swapped for one with a short ``heartbeat_timeout`` once the app runs:
what was ready a moment ago is stalled now.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import GatewayError
from gateway.queue import enqueue, spool, worker
from gateway.store import migrate
from gateway.sync.report import Report
from gateway.web.app import create_app
from gateway.web.keys import workers_key
from tests.gateway.web.conftest import ClientMaker


async def test_ready_when_the_store_is_current(
    aiohttp_client: ClientMaker, database_url: str
) -> None:
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/readyz")
    assert response.status == 200 and await response.json() == {"status": "ok", "sources": {}}


async def test_not_ready_when_migrations_are_missing(
    aiohttp_client: ClientMaker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    client = await aiohttp_client(create_app(Config(database_url=url)))
    response = await client.get("/readyz")
    body: dict[str, Any] = await response.json()
    assert response.status == 503 and "rostergate init" in body["migrations"]


async def test_not_ready_when_the_store_is_unreachable(aiohttp_client: ClientMaker) -> None:
    url = "postgresql://nobody@127.0.0.1:9/nowhere"
    client = await aiohttp_client(create_app(Config(database_url=url)))
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503 and body["store"].startswith("unreachable")
    assert (await client.get("/healthz")).status == 200


def test_an_old_store_lists_the_migrations_it_lacks(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    assert migrate.pending(engine) == []
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    heads = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_heads()
    assert migrate.pending(engine) == sorted(heads) != ["0001"]
    engine.dispose()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event a stuck worker waits on; set at the end so the app can stop."""
    event = threading.Event()
    yield event
    event.set()


async def test_not_ready_when_the_workers_have_stopped(
    aiohttp_client: ClientMaker, database_url: str
) -> None:
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    await client.app[workers_key].stop()
    response = await client.get("/readyz")
    assert response.status == 503
    assert await response.json() == {
        "status": "not ready",
        "workers": "the queue's workers are not running",
    }


async def test_not_ready_when_a_worker_has_died(
    aiohttp_client: ClientMaker, database_url: str
) -> None:
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    task = client.app[workers_key].tasks[0]
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    response = await client.get("/readyz")
    assert response.status == 503
    assert await response.json() == {
        "status": "not ready",
        "workers": "queue worker 1 has stopped (cancelled)",
    }


async def test_not_ready_when_an_idle_worker_no_longer_looks_for_work(
    aiohttp_client: ClientMaker,
    database_url: str,
    release: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "work_one", lambda *args: release.wait() and None)  # stuck
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    assert (await client.get("/readyz")).status == 200
    client.app[workers_key].config = Config(database_url=database_url, heartbeat_timeout=0.2)
    await asyncio.sleep(0.3)
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503 and body["status"] == "not ready"
    assert re.fullmatch(
        r"queue worker 1 is stalled: it last looked for work \d+ s ago", body["workers"]
    )


async def test_a_busy_worker_is_ready_while_its_run_beats_and_stalled_once_it_does_not(
    aiohttp_client: ClientMaker,
    database_url: str,
    sessions: sessionmaker[Session],
    release: threading.Event,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def stuck(*args: object, **kwargs: object) -> Report:
        release.wait()
        raise GatewayError("released")

    monkeypatch.setattr(worker.sync, "run", stuck)  # claimed, then never beats
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    workers = client.app[workers_key]
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn\n1;Ada;Berg\n", encoding="utf-8")
    with sessions.begin() as session:
        run = enqueue(
            session,
            source="vigo",
            fmt="csv",
            spool_path=spool.spool_file(feed, tmp_path),
            options={"school": "Nordby skole", "role": "elev"},
        )
    for _ in range(200):
        if workers.in_hand():
            break
        await asyncio.sleep(0.05)
    assert workers.in_hand() == {1: run}
    assert (await client.get("/readyz")).status == 200

    workers.config = Config(database_url=database_url, heartbeat_timeout=0.2)
    await asyncio.sleep(0.3)
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503
    assert body["workers"].startswith(
        f"queue worker 1 is stalled on run {run}: no heartbeat from its process on "
        f"{socket.gethostname()} since "
    )
