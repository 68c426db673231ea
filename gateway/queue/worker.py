"""Workers: claim a queued run, run it through the one orchestrator, and wait for more.

``work_one`` is the whole job of a worker, synchronous: `rostergate worker` loops over it
in the foreground; `rostergate serve` runs ``Workers``, tasks that call it in a thread
(imports never run on the event loop) and sleep a little, or until woken, when idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import GatewayError
from gateway.queue import runs as queue
from gateway.store import models as m
from gateway.store import owners
from gateway.store import runs as stored
from gateway.sync import run as sync
from gateway.sync.report import Report

log = logging.getLogger(__name__)

# How long an idle worker waits before it looks for work again (unless woken first).
POLL_SECONDS = 0.5


def work_one(
    sessions: sessionmaker[Session],
    config: Config,
    holding: Callable[[int], None] = lambda run: None,
) -> Report | None:
    """Claim the oldest run a worker may take and run it; None when there is none.

    Runs whose process is gone are failed first, so the queue moves on past them.
    ``holding`` hears the id of the run claimed, before it runs.
    """
    with sessions.begin() as session:
        owners.recover(session, config.heartbeat_timeout)
        claimed = queue.claim(session)
    if claimed is None:
        return None
    holding(claimed.run)
    try:
        report = sync.run(
            sessions, config, claimed.feed(), dry_run=claimed.dry_run, run_id=claimed.run
        )
    except Exception as err:  # the run is failed, and the worker goes on to the next
        log.warning(
            "run %s failed: %s", claimed.run, err, exc_info=not isinstance(err, GatewayError)
        )
        report = _failed(sessions, claimed.run, err)
    log.info("run %s (%s) %s", report.run, claimed.source, report.state)
    return report


def _failed(sessions: sessionmaker[Session], run_id: int, err: Exception) -> Report:
    """The run failed by an error: recorded so if the orchestrator could not do it itself."""
    with sessions.begin() as session:
        if stored.get(session, run_id).state == "running":
            reason = str(err) if isinstance(err, GatewayError) else f"error: {err!r}"
            return stored.fail(session, run_id, reason, [], owners.now())
        return stored.report(session, run_id)


def work(
    sessions: sessionmaker[Session],
    config: Config,
    *,
    drain: bool = False,
    done: Callable[[Report], None] = lambda report: None,
) -> None:
    """Run queued runs as they come, in the foreground; with ``drain``, until none is left."""
    while True:
        report = work_one(sessions, config)
        if report is not None:
            done(report)
            continue
        if drain:
            with sessions() as session:
                if not queue.waiting(session):
                    return
        time.sleep(POLL_SECONDS)


@dataclass
class Beat:
    """A worker's sign of life: when it last looked for work, and the run it holds."""

    at: float = field(default_factory=time.monotonic)
    run: int | None = None

    def hold(self, run: int) -> None:
        """Note the run the worker has claimed (called from the worker's thread)."""
        self.run = run


class Workers:
    """``count`` workers on the event loop's default thread pool, started and stopped with it."""

    def __init__(self, sessions: sessionmaker[Session], config: Config, count: int) -> None:
        self.sessions, self.config, self.count = sessions, config, count
        self.tasks: list[asyncio.Task[None]] = []
        self.wakeups: list[asyncio.Event] = []
        self.beats: list[Beat] = []
        self.stopping = False
        self._unhook: Callable[[], None] = lambda: None

    def start(self) -> None:
        """Start the workers, and let an enqueue in this process wake them."""
        loop = asyncio.get_running_loop()
        self.wakeups = [asyncio.Event() for _ in range(self.count)]
        self.beats = [Beat() for _ in range(self.count)]
        self.tasks = [
            asyncio.create_task(self._loop(wakeup, beat), name=f"queue worker {n}")
            for n, (wakeup, beat) in enumerate(zip(self.wakeups, self.beats, strict=True), 1)
        ]

        def wake_soon() -> None:
            loop.call_soon_threadsafe(self.wake)

        self._unhook = queue.on_enqueue(wake_soon)

    def wake(self) -> None:
        """Make idle workers look for work now."""
        for wakeup in self.wakeups:
            wakeup.set()

    async def stop(self) -> None:
        """Stop taking runs; wait for the runs in hand to finish."""
        self._unhook()
        self.stopping = True
        self.wake()
        await asyncio.gather(*self.tasks, return_exceptions=True)  # a dead one stops quietly

    def trouble(self) -> str:
        """Why the workers are not at work, as far as they tell in memory; "" when they are.

        An idle worker looks for work every ``POLL_SECONDS``: one that has not looked for
        ``heartbeat_timeout`` is stuck. A busy one beats on its run's row (``in_hand``).
        """
        if self.count == 0:
            return ""
        if not self.tasks or self.stopping:
            return "the queue's workers are not running"
        at = time.monotonic()
        for n, (task, beat) in enumerate(zip(self.tasks, self.beats, strict=True), 1):
            if task.done():
                return f"queue worker {n} has stopped{_why(task)}"
            if beat.run is None and at - beat.at > self.config.heartbeat_timeout:
                return (
                    f"queue worker {n} is stalled: it last looked for work {at - beat.at:.0f} s ago"
                )
        return ""

    def in_hand(self) -> dict[int, int]:
        """The run each busy worker holds, by worker number."""
        return {n: beat.run for n, beat in enumerate(self.beats, 1) if beat.run is not None}

    async def _loop(self, wakeup: asyncio.Event, beat: Beat) -> None:
        """Run queued runs until stopped."""
        while not self.stopping:
            wakeup.clear()
            beat.at, beat.run = time.monotonic(), None
            try:
                report = await asyncio.to_thread(work_one, self.sessions, self.config, beat.hold)
            except Exception:  # the store is down or busy: look again later
                log.warning("queue worker: cannot claim a run", exc_info=True)
                report = None
            if report is None and not self.stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), POLL_SECONDS)


def _why(task: asyncio.Task[None]) -> str:
    """What ended a worker's task, for a person reading /readyz."""
    if task.cancelled():
        return " (cancelled)"
    err = task.exception()
    return f": {err!r}" if err else ""


def stalled(session: Session, in_hand: Mapping[int, int], timeout: float) -> str:
    """Why a busy worker is stalled: its run has not beaten for ``timeout``; "" when all beat."""
    at = owners.now()
    for n, run_id in sorted(in_hand.items()):
        run = session.get(m.ImportRun, run_id)
        why = owners.silent(run, timeout, at) if run and run.state == "running" else ""
        if why:
            return f"queue worker {n} is stalled on run {run_id}: {why}"
    return ""
