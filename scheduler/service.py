"""The scheduler of a running gateway: APScheduler 3's AsyncIOScheduler, on the app's loop.

Where schedules live: on the sources' rows (``sources.schedule``, set by `rostergate source
schedule` and the API), not in an APScheduler job store. Each process builds its jobs from
those rows when it starts and looks again every ``REFRESH_SECONDS``, so a schedule survives
restarts, a change made by the CLI in another process reaches every replica, and there is
no second, pickled copy of the truth to migrate. (APScheduler 3 cannot share one job store
between schedulers anyway.) Every replica fires every job; ``scheduler.jobs.claim`` lets
one of them run each firing.

Jobs are coroutines with ``max_instances=1``, ``coalesce=True`` (a backlog of missed
firings runs once) and ``misfire_grace_time`` = the config's ``schedule_grace``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from aiohttp import web
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.pull import pull
from gateway.store import models as m
from gateway.store.schedules import Schedule, read
from gateway.web.keys import config_key, sessions_key
from gateway.web.metrics import metrics_key
from scheduler import jobs

T = TypeVar("T")

log = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0
GUARDIAN_SECONDS = 3600.0
# Intervals count from one fixed moment, so that every replica fires at the same times.
ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)
PULL = "pull "  # a source's job id: "pull NAME"


class DueExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """Runs coroutine jobs, telling each the time it was due (``due=``).

    APScheduler 3 does not pass it; a firing's claim is keyed by it, so replicas agree.
    (A job takes ``due`` with a default: APScheduler checks its arguments when it is added.)
    """

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        """Submit the job with its latest due time as a keyword."""
        super()._do_submit_job(_WithDue(job, run_times[-1]), run_times)


class _WithDue:
    """A job whose keywords include ``due``; everything else is the job's own."""

    def __init__(self, job: Job, due: datetime) -> None:
        self._job = job
        self.kwargs = {**job.kwargs, "due": due}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


def trigger(schedule: Schedule) -> BaseTrigger:
    """The APScheduler trigger of a stored schedule."""
    if schedule.cron:
        return CronTrigger.from_crontab(schedule.cron)
    return IntervalTrigger(seconds=schedule.every, start_date=ANCHOR)


class Service:
    """The scheduler and the jobs it keeps in step with the sources' schedules."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: Config,
        pull: jobs.Pull,
        failed: Callable[[str], None] = lambda source: None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.sessions, self.config, self.pull = sessions, config, pull
        self.failed, self.today = failed, today
        self.scheduler = AsyncIOScheduler(
            executors={"default": DueExecutor()},
            job_defaults={
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": max(1, int(config.schedule_grace)),
            },
        )
        self.schedules: dict[str, str] = {}  # source → the schedule its job was made from
        self.in_threads: set[asyncio.Future[Any]] = set()

    def start(self) -> None:
        """Start firing: the sources' jobs, and the jobs that look after them."""
        self.refresh()
        now = datetime.now(UTC)
        every = IntervalTrigger(seconds=REFRESH_SECONDS, start_date=ANCHOR)
        self.scheduler.add_job(self._refresh, every, id="refresh", name="refresh schedules")
        hourly = IntervalTrigger(seconds=GUARDIAN_SECONDS, start_date=ANCHOR)
        self.scheduler.add_job(
            self._guardians, hourly, id="guardians", name="guardians' dates", next_run_time=now
        )
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop firing, and let the work under way (a pull, store work in threads) end:
        cancelling its task would not stop its thread, which would then hold its connection
        past the engine's disposal."""
        self.scheduler.shutdown(wait=False)
        await asyncio.gather(*self.in_threads, return_exceptions=True)

    async def _in_thread(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` in a thread that ``stop`` waits for even when the job is cancelled."""
        return await self._kept(asyncio.to_thread(work, *args))

    async def _kept(self, work: Awaitable[T]) -> T:
        """Await ``work`` so that ``stop`` waits for it even when the job is cancelled."""
        future = asyncio.ensure_future(work)
        self.in_threads.add(future)
        future.add_done_callback(self.in_threads.discard)
        return await asyncio.shield(future)

    def refresh(self) -> None:
        """Make the pull jobs match the sources' schedules (as they were, if the store fails)."""
        try:
            with self.sessions() as session:
                rows = session.execute(
                    select(m.Source.name, m.Source.schedule).where(
                        m.Source.schedule.is_not(None), m.Source.retired_at.is_(None)
                    )
                ).all()
        except SQLAlchemyError:
            log.warning("scheduler: cannot read the schedules; trying again soon", exc_info=True)
            return
        wanted = {name: text for name, text in rows if text}
        for name in set(self.schedules) - set(wanted):
            self.scheduler.remove_job(PULL + name)
            del self.schedules[name]
        for name, text in wanted.items():
            if self.schedules.get(name) == text:
                continue
            schedule = read(text)
            assert schedule is not None
            self.scheduler.add_job(
                self._pull,
                trigger(schedule),
                id=PULL + name,
                name=f"pull {name} ({text})",
                kwargs={"name": name},
                replace_existing=True,
            )
            self.schedules[name] = text
            log.info("scheduler: %s pulled %s", name, text)

    async def _refresh(self, due: datetime | None = None) -> None:
        """The refresh job (its store read goes to a thread)."""
        await self._in_thread(self.refresh)

    async def _pull(self, name: str, due: datetime | None = None) -> jobs.Fired:
        """A source's pull job."""
        return await self._kept(
            jobs.pull_source(
                self.sessions,
                self.config,
                name,
                due=due or datetime.now(UTC),
                pull=self.pull,
                today=self.today(),
                failed=self.failed,
            )
        )

    async def _guardians(self, due: datetime | None = None) -> list[jobs.Fired]:
        """The guardians' dates job (the store failing is tried again the next hour)."""
        try:
            return await self._in_thread(
                jobs.activate_guardians, self.sessions, self.config, self.today()
            )
        except SQLAlchemyError:
            log.warning("scheduler: cannot look for guardians' dates", exc_info=True)
            return []


# The pull the scheduler calls (tests put in their own before the app starts).
pull_key: web.AppKey[jobs.Pull] = web.AppKey("pull")
scheduler_key = web.AppKey("scheduler", Service)


async def run(app: web.Application) -> AsyncIterator[None]:
    """The app's scheduler, started and stopped with it (a ``cleanup_ctx``)."""
    counter = app[metrics_key].pulls_failed
    service = Service(
        app[sessions_key],
        app[config_key],
        app.get(pull_key, pull),
        failed=lambda source: counter.labels(source).inc(),
    )
    app[scheduler_key] = service
    service.start()
    yield
    await service.stop()
