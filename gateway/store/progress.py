"""A running run's progress on its row: phase, records read, of how many, and a heartbeat.

The run's own thread calls the recorder as it goes; a new phase is written at once, a
growing count at most every ``every`` seconds, each in its own short transaction beside
the run's (whose apply is one transaction of its own). A write the store refuses (busy,
gone) is skipped: progress is for people watching, never a reason to fail a run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m
from gateway.store.owners import now

log = logging.getLogger(__name__)

# Counts go to the row at most this often (a new phase goes at once).
WRITE_EVERY = 0.5
# What a progress listener is told: the phase (read, plan, apply), records read, of how many.
Listener = Callable[[str, int, int | None], None]


class RunProgress:
    """Record a run's progress on its row, throttled, and tell an optional listener too."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        run_id: int,
        every: float | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.sessions, self.run_id, self.listener = sessions, run_id, listener
        self.every = WRITE_EVERY if every is None else every
        self.phase, self.read = "", 0
        self.written_at = 0.0

    def __call__(self, phase: str, read: int, total: int | None = None) -> None:
        """Note how far the run has come."""
        self.read = read
        if self.listener is not None:
            self.listener(phase, read, total)
        at = time.monotonic()
        if phase == self.phase and at - self.written_at < self.every:
            return
        self.phase, self.written_at = phase, at
        values = {
            "phase": phase,
            "records_read": read,
            "records_total": total,
            "heartbeat_at": now(),
        }
        try:
            with self.sessions.begin() as session:
                session.execute(
                    update(m.ImportRun)
                    .where(m.ImportRun.id == self.run_id, m.ImportRun.state == "running")
                    .values(values)
                )
        except Exception:  # the store is busy or gone: the next call tries again
            log.debug("run %s: progress not recorded this time", self.run_id, exc_info=True)
