"""A run's progress as server-sent events over real HTTP, and the dashboard's sections:
runs queued and running with their progress bars, and sources to look at."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aiohttp import ClientResponse
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m
from gateway.store import owners, pulls, runs, schedules, sources
from gateway.store.schedules import Schedule
from gateway.sync.changes import Plan
from gateway.web.admin import progress
from tests.gateway.web.admin.test_http import sign_in
from tests.gateway.web.conftest import Gateway, Schools


def _running(sessions: sessionmaker[Session], source: str) -> int:
    """A run of ``source`` this process runs, half way through reading."""
    with sessions.begin() as session:
        run = runs.start(
            session, source_id=sources.get(session, source).id, fmt="csv", file="x.csv"
        )
        _set(session, run, phase="read", records_read=100, records_total=None)
    return run


def _set(session: Session, run: int, **values: Any) -> None:
    """Change a run's row."""
    session.execute(update(m.ImportRun).where(m.ImportRun.id == run).values(**values))


async def _event(response: ClientResponse) -> tuple[str, dict[str, Any]]:
    """The next server-sent event: its name and data (comment lines skipped)."""
    name, data = "", ""
    while line := (await response.content.readline()).decode():
        if line == "\n" and data:
            return name, json.loads(data)
        if line.startswith("event: "):
            name = line[7:].strip()
        elif line.startswith("data: "):
            data = line[6:].strip()
    raise AssertionError("the stream ended")


async def test_the_stream_follows_a_run_until_it_settles(
    gateway: Gateway, schools: Schools, monkeypatch: Any
) -> None:
    monkeypatch.setattr(progress, "POLL_SECONDS", 0.05)
    run = _running(schools.sessions, "nordby")
    await sign_in(gateway.client, "kari")
    response = await gateway.client.get(f"/admin/runs/{run}/progress")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert "Content-Security-Policy" in response.headers
    first = await _event(response)
    assert first == ("progress", {"run": run, "state": "running", "phase": "read", "read": 100,
                                  "total": None})  # fmt: skip
    with schools.sessions.begin() as session:
        _set(session, run, phase="plan", records_read=250, records_total=250)
    assert await _event(response) == (
        "progress",
        {"run": run, "state": "running", "phase": "plan", "read": 250, "total": 250},
    )
    with schools.sessions.begin() as session:
        runs.finish(session, run, "previewed", Plan(1, 0), owners.now())
    name, done = await _event(response)
    assert name == "done"
    assert (done["state"], done["review"], done["issues"]) == (
        "previewed",
        f"/admin/runs/{run}",
        {},
    )
    assert await response.content.read() == b""  # and the stream ends


async def test_a_school_admin_may_not_follow_another_schools_run(
    gateway: Gateway, schools: Schools
) -> None:
    run = _running(schools.sessions, "sorby")
    await sign_in(gateway.client, "ola")
    response = await gateway.client.get(f"/admin/runs/{run}/progress")
    assert response.status == 403
    assert "ola may not see run" in await response.text()
    assert (await gateway.client.get("/admin/runs/999999/progress")).status == 404


async def test_the_dashboard_shows_running_runs_and_sources_to_look_at(
    gateway: Gateway, schools: Schools
) -> None:
    run = _running(schools.sessions, "nordby")
    with schools.sessions.begin() as session:
        sources.add(session, "quiet", "csv", [], {})
        old = owners.now() - timedelta(days=4)
        _set(session, schools.sorby_run, started_at=old)
        _set(session, schools.nordby_run, state="failed")
    await sign_in(gateway.client, "kari")
    page = await (await gateway.client.get("/admin/")).text()
    assert f'data-progress="/admin/runs/{run}/progress"' in page
    assert "reading records: 100 records" in page
    assert "<strong>nordby</strong>: its last run failed" in page
    assert "<strong>sorby</strong>: no run for more than 72 hours" in page
    assert "<strong>quiet</strong>: no run yet" in page

    await sign_in(gateway.client, "ola")
    mine = await (await gateway.client.get("/admin/")).text()
    assert "nordby" in mine and "sorby" not in mine and "quiet" not in mine


async def test_quiet_after_is_a_setting_per_source_and_a_schedule_stretches_it(
    gateway: Gateway, schools: Schools
) -> None:
    with schools.sessions.begin() as session:
        sources.add(session, "daily", "csv", [], {"quiet_after": 24})
        sources.add(session, "weekly", "csv", [], {})
        pulls.configure(session, "weekly", {"kind": "url", "url": "https://x.example/f.csv"})
        schedules.set_schedule(session, "weekly", Schedule(every=7 * 86400))
    two_days_ago = owners.now() - timedelta(days=2)
    for name in ("daily", "weekly"):
        run = _running(schools.sessions, name)
        with schools.sessions.begin() as session:
            _set(session, run, state="applied", started_at=two_days_ago)
    await sign_in(gateway.client, "kari")
    page = await (await gateway.client.get("/admin/")).text()
    assert "<strong>daily</strong>: no run for more than 24 hours" in page
    assert "<strong>weekly</strong>" not in page  # quiet only after twice its 7 days
    with schools.sessions.begin() as session:
        schedules.set_schedule(session, "weekly", Schedule(cron="0 5 * * 1"))  # Mondays
        sources.change(session, "weekly", settings={"quiet_after": 1})
        _set(session, run, started_at=owners.now() - timedelta(days=15))
    page = await (await gateway.client.get("/admin/")).text()
    assert "<strong>weekly</strong>: no run for more than 336 hours" in page
