"""Scheduler fixtures: a scheduled source, a pull that spools a OneRoster world and queues
it (the way ``gateway.pull`` does), and running what waits in the queue."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.pull import PullResult
from gateway.queue import enqueue, spool
from gateway.queue import runs as queue
from gateway.store import models as m
from gateway.store import pulls, schedules, sources
from gateway.store.schedules import Schedule
from gateway.sync import run as sync
from scheduler import jobs
from scheduler.jobs import Pull
from tests.support.packages import World, nordby

DUE = datetime(2027, 3, 1, 5, 0, tzinfo=UTC)
TODAY = date(2027, 3, 1)


@dataclass
class FakePull:
    """A pull that queues the world it is given (or fails, as a pull that gave up does)."""

    folder: Path
    world: World = field(default_factory=lambda: nordby(4))
    fails: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(
        self, sessions: sessionmaker[Session], config: Config, name: str, **options: Any
    ) -> PullResult:
        self.calls.append((name, options.get("origin", "cli")))
        if self.fails:
            return PullResult(0, "failed", self.fails)
        package = self.world.write(self.folder / f"pull{len(self.calls)}")
        copy = spool.spool_file(package, spool.directory(config))
        with sessions.begin() as session:
            run = enqueue(
                session, source=name, fmt="oneroster", spool_path=copy, origin=options["origin"]
            )
        return PullResult(run, "queued")


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    """The test's store, a spool folder in the test's folder."""
    return Config(database_url=database_url, spool_dir=str(tmp_path / "spool"))


@pytest.fixture
def fake_pull(tmp_path: Path) -> FakePull:
    """A pull that queues Nordby's world."""
    return FakePull(tmp_path / "pulled")


@pytest.fixture
def scheduled(sessions: sessionmaker[Session]) -> str:
    """A OneRoster source pulled every hour: its name."""
    with sessions.begin() as session:
        sources.add(session, "sis", "oneroster", [], {})
        pulls.configure(session, "sis", {"kind": "url", "url": "https://sis.example.org/x.zip"})
        schedules.set_schedule(session, "sis", Schedule(every=3600))
    return "sis"


Fire = Callable[..., Coroutine[Any, Any, jobs.Fired]]


@pytest.fixture
def fire(sessions: sessionmaker[Session], config: Config, fake_pull: FakePull) -> Fire:
    """Fire the pull job of source ``sis``: due at DUE, on TODAY, with ``fake_pull`` unless told."""

    async def fire_(
        pull: Pull | None = None,
        due: datetime = DUE,
        today: date = TODAY,
        failed: list[str] | None = None,
    ) -> jobs.Fired:
        said = failed if failed is not None else []
        return await jobs.pull_source(
            sessions,
            config,
            "sis",
            due=due,
            pull=pull or fake_pull,
            today=today,
            failed=said.append,
        )

    return fire_


Drain = Callable[..., list[str]]


@pytest.fixture
def drain(sessions: sessionmaker[Session], config: Config) -> Drain:
    """Apply the queued runs as a worker does (as of ``today``, when given); their states."""

    def apply(today: date | None = None) -> list[str]:
        states = []
        while True:
            with sessions.begin() as session:
                claimed = queue.claim(session)
            if claimed is None:
                return states
            report = sync.run(sessions, config, claimed.feed(), run_id=claimed.run, today=today)
            states.append(report.state)

    return apply


def issue_codes(sessions: sessionmaker[Session], run: int) -> list[str]:
    """The codes of a run's issues."""
    with sessions() as session:
        return list(session.scalars(select(m.RunIssue.code).where(m.RunIssue.run_id == run)))


def runs(sessions: sessionmaker[Session]) -> list[tuple[int, str, str]]:
    """(id, origin, state) of every run."""
    with sessions() as session:
        query = select(m.ImportRun.id, m.ImportRun.origin, m.ImportRun.state)
        return [tuple(r) for r in session.execute(query.order_by(m.ImportRun.id))]  # type: ignore[misc]
