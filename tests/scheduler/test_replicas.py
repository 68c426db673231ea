"""Three `rostergate serve` processes on one PostgreSQL: each scheduled firing, one run."""

from __future__ import annotations

import shutil
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.pull.settings import checked
from gateway.store import models as m
from gateway.store import pulls, schedules, sources
from gateway.store.db import make_engine, make_sessions
from gateway.store.schedules import Schedule
from tests.gateway.queue.test_processes import free_port, rostergate, wait_for
from tests.support import databases
from tests.support.packages import nordby

EVERY = 3  # seconds between firings (room for a replica slowed by a busy machine)
FIRINGS = 10


class Quiet(SimpleHTTPRequestHandler):
    """Serves a folder without logging each request."""

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing."""


@pytest.fixture
def register(tmp_path: Path) -> Iterator[str]:
    """A register's web server on loopback with a OneRoster export: its zip's URL."""
    www = tmp_path / "www"
    www.mkdir()
    shutil.make_archive(str(www / "export"), "zip", nordby(2).write(tmp_path / "package"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/export.zip"
    server.shutdown()
    server.server_close()


def answers(port: str) -> bool:
    """Whether a server on this port says it is ready."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def test_three_serve_processes_make_one_run_per_firing(
    postgres_admin_url: str, register: str, tmp_path: Path
) -> None:
    url = databases.postgres_copy(postgres_admin_url)
    engine = make_engine(url)
    sessions: sessionmaker[Session] = make_sessions(engine)
    with sessions.begin() as session:
        sources.add(session, "sis", "oneroster", [], {})
        pulls.configure(session, "sis", checked(Config(), "oneroster", {"url": register}))
        schedules.set_schedule(session, "sis", Schedule(every=EVERY))
    ports = [str(free_port()) for _ in range(3)]
    serves = [rostergate(url, tmp_path, "serve", "--port", port) for port in ports]
    try:
        for serve, port in zip(serves, ports, strict=True):
            wait_for(lambda port=port: answers(port), serve)  # type: ignore[misc]
        # the next ten due times, from a little while after every replica is up
        first = int(time.time()) + 3
        first += -first % EVERY
        window = [datetime.fromtimestamp(first + EVERY * n, UTC) for n in range(FIRINGS)]
        settled = window[-1] + timedelta(seconds=5)
        wait_for(lambda: datetime.now(UTC) > settled, serves[0], timeout=120)
    finally:
        for serve in serves:
            serve.send_signal(signal.SIGTERM)
        said = [serve.communicate(timeout=60)[1] for serve in serves]
    assert [serve.returncode for serve in serves] == [0, 0, 0], said

    with sessions() as session:
        fired = list(session.scalars(select(m.Firing).order_by(m.Firing.due_at)))
        scheduled_runs = list(
            session.scalars(select(m.ImportRun).where(m.ImportRun.origin == "schedule"))
        )
    engine.dispose()
    due = [w.replace(tzinfo=None) for w in window]
    in_window = [f for f in fired if f.due_at in due]
    assert [f.due_at for f in in_window] == due, [(f.due_at, f.outcome) for f in fired]
    assert all(f.run_id is not None for f in fired), [(f.due_at, f.outcome) for f in fired]
    runs = {run.id: run for run in scheduled_runs}
    assert sorted(f.run_id for f in fired) == sorted(runs)  # a run per firing, no more
    assert len({f.run_id for f in in_window}) == FIRINGS
    states = {runs[f.run_id].state for f in in_window if f.run_id}
    assert states == {"applied"}, [runs[f.run_id].error for f in in_window if f.run_id]
