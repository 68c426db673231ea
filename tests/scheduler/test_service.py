"""The real scheduler, started and stopped with the web app, and a real pull that fails."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway import pull as pulling
from gateway.config import Config
from gateway.pull.settings import checked
from gateway.store import models as m
from gateway.store import pulls, schedules
from gateway.store.schedules import Schedule
from gateway.web.app import create_app
from gateway.web.metrics import metrics_key
from scheduler import service
from tests.gateway.web.conftest import ClientMaker
from tests.scheduler.conftest import FakePull, runs


def firings(sessions: sessionmaker[Session]) -> list[m.Firing]:
    """Every firing, by due time."""
    with sessions() as session:
        return list(session.scalars(select(m.Firing).order_by(m.Firing.due_at)))


async def test_the_app_runs_a_one_second_schedule_while_it_serves_and_stops_with_it(
    aiohttp_client: ClientMaker,
    sessions: sessionmaker[Session],
    config: Config,
    scheduled: str,
    fake_pull: FakePull,
) -> None:
    with sessions.begin() as session:
        schedules.set_schedule(session, "sis", Schedule(every=1))
    app = create_app(config)
    app[service.pull_key] = fake_pull
    client = await aiohttp_client(app)
    await asyncio.sleep(3.5)
    await client.close()
    await asyncio.sleep(0.5)  # a firing claimed in a thread as the app stopped lands now
    fired = firings(sessions)
    assert len(fired) >= 2 and len(fake_pull.calls) == len(fired)
    assert all(f.due_at.microsecond == 0 and f.outcome == "queued" for f in fired)
    assert len({f.due_at for f in fired}) == len(fired)
    assert sorted(f.run_id for f in fired) == [run for run, _, _ in runs(sessions)]
    await asyncio.sleep(1.5)
    assert len(firings(sessions)) == len(fired)  # stopped with the app


@pytest.fixture
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pull's backoff waits, recorded instead of slept."""
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(pulling, "sleep", sleep)
    return waited


async def test_a_scheduled_pull_retries_then_fails_is_counted_and_readyz_names_the_source(
    aiohttp_client: ClientMaker,
    aiohttp_server: type[TestServer] | object,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    database_url: str,
    scheduled: str,
    no_waits: list[float],
) -> None:
    hits: list[str] = []

    async def down(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(status=503, text="maintenance")

    register = web.Application()
    register.router.add_get("/export.zip", down)
    server = await aiohttp_server(register)  # type: ignore[operator]
    config = Config(
        database_url=database_url,
        spool_dir=str(tmp_path / "spool"),
        pull_attempts=3,
        pull_backoff_seconds=2,
    )
    with sessions.begin() as session:
        url = str(server.make_url("/export.zip"))
        pulls.configure(session, "sis", checked(config, "oneroster", {"url": url}))
        schedules.set_schedule(session, "sis", Schedule(every=1))
    app = create_app(config)
    client = await aiohttp_client(app)
    for _ in range(100):
        if any(f.outcome.startswith("failed") for f in firings(sessions)):
            break
        await asyncio.sleep(0.05)
    with sessions.begin() as session:  # no more firings: a blackout from today
        schedules.add_window(session, "sis", "blackout", f"{date.today()}..2099-12-31")
    (first, *_) = [f for f in firings(sessions) if f.outcome.startswith("failed")]
    assert hits[:3] == ["/export.zip"] * 3 and no_waits[:2] == [2, 4]
    with sessions() as session:
        run = session.get_one(m.ImportRun, first.run_id)
    assert (run.state, run.origin) == ("failed", "schedule")
    assert run.error is not None and "failed after 3 tries" in run.error
    ready = await client.get("/readyz")
    body = await ready.json()
    assert ready.status == 200 and body["sources"]["sis"].startswith(
        "the pull failed after 3 tries"
    )
    counted = app[metrics_key].pulls_failed.labels("sis")._value.get()
    assert counted >= 1
    with sessions() as session:
        failed_runs = select(func.count()).where(m.ImportRun.state == "failed")
        assert counted == session.scalar(failed_runs)
