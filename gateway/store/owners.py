"""Who runs a run: its process and host, its heartbeat, and what becomes of it once they are gone.

A run killed mid-way (SIGKILL, a power cut) cannot mark itself failed. Its row names the
process that runs it; a run whose process is gone is failed with the reason when the next
run starts and when runs are listed. Apply is one transaction, so such a run wrote nothing.
On the run's own host the process is asked directly; from another host (replicas on one
PostgreSQL) only the heartbeat can tell, so a running process beats while it works.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m

log = logging.getLogger(__name__)


def now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def this_process() -> dict[str, object]:
    """The owner columns of a run this process starts."""
    return {"owner_host": socket.gethostname(), "owner_pid": os.getpid(), "heartbeat_at": now()}


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def gone(run: m.ImportRun, timeout: float, at: datetime) -> str:
    """Why a running run's process is gone, or "" while it may still be at work."""
    if run.state != "running":
        return ""
    if run.owner_host == socket.gethostname() and run.owner_pid:
        if _alive(run.owner_pid):
            return ""
        return f"interrupted: its process ({run.owner_pid} on {run.owner_host}) is gone"
    why = silent(run, timeout, at)
    return f"interrupted: {why}" if why else ""


def silent(run: m.ImportRun, timeout: float, at: datetime) -> str:
    """Since when a run's process has not beaten, if for longer than ``timeout``; else ""."""
    last = run.heartbeat_at or run.started_at
    if at - last <= timedelta(seconds=timeout):
        return ""
    where = f" on {run.owner_host}" if run.owner_host else ""
    return f"no heartbeat from its process{where} since {last:%Y-%m-%d %H:%M:%S} UTC"


def recover(session: Session, timeout: float) -> list[int]:
    """Fail every running run whose process is gone, with the reason; return their ids."""
    at = now()
    failed = []
    for run in session.scalars(select(m.ImportRun).where(m.ImportRun.state == "running")):
        reason = gone(run, timeout, at)
        if reason:
            run.state, run.finished_at, run.error = "failed", at, f"{reason}; nothing was written"
            failed.append(run.id)
    session.flush()
    return failed


@contextmanager
def heartbeat(sessions: sessionmaker[Session], run_id: int, every: float) -> Iterator[None]:
    """Beat on the run's row every ``every`` seconds until the block ends."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with sessions.begin() as session:
                    session.execute(
                        update(m.ImportRun)
                        .where(m.ImportRun.id == run_id)
                        .values(heartbeat_at=now())
                    )
            except Exception:  # the store is busy (our own apply holds SQLite) or gone: beat later
                log.debug("run %s: no heartbeat this time", run_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"run {run_id} heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
