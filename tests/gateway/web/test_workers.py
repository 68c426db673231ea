"""`serve` runs the queue's workers for as long as the app runs; an enqueue wakes them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.queue import enqueue, spool, worker
from gateway.store import models as m
from gateway.web.app import create_app
from gateway.web.keys import workers_key

ClientMaker = Callable[[Any], Awaitable[TestClient[Any, Any]]]


async def test_a_run_queued_in_this_process_is_applied_by_the_apps_worker_at_once(
    aiohttp_client: ClientMaker,
    database_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "POLL_SECONDS", 3600)  # only the wake-up can bring it in time
    config = Config(database_url=database_url, workers=3)
    client = await aiohttp_client(create_app(config))
    workers = client.app[workers_key]
    assert len(workers.tasks) == (1 if database_url.startswith("sqlite") else 3)
    await asyncio.sleep(0.2)  # the workers have looked once, found nothing, and sleep
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn\n1;Ada;Berg\n", encoding="utf-8")
    copy = spool.spool_file(feed, spool.directory(Config(spool_dir=str(tmp_path / "spool"))))

    def queue() -> int:
        with sessions.begin() as session:
            return enqueue(
                session,
                source="vigo",
                fmt="csv",
                spool_path=copy,
                options={"school": "Nordby skole", "role": "elev"},
                origin="upload",
            )

    run = await asyncio.to_thread(queue)
    for _ in range(300):
        with sessions() as session:
            row = session.get(m.ImportRun, run)
            assert row is not None
            if row.state == "applied":
                break
        await asyncio.sleep(0.05)
    assert row.state == "applied"
    await client.close()
    assert all(task.done() for task in workers.tasks)
