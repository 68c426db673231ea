"""A CLI import run inline waits for a run of its source elsewhere (PostgreSQL's advisory lock)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.store import models as m
from gateway.store.db import make_engine, make_sessions
from gateway.store.locks import source_lock
from gateway.sync import run as sync
from gateway.sync.report import Report
from tests.gateway.queue.conftest import pupils_csv
from tests.support import databases


def runs_of(sessions: sessionmaker[Session]) -> int:
    """How many runs the store holds."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(m.ImportRun)) or 0


def test_an_inline_run_waits_while_its_source_is_locked(
    postgres_admin_url: str, tmp_path: Path
) -> None:
    url = databases.postgres_copy(postgres_admin_url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    config = Config(database_url=url)
    options = {"school": "Nordby skole", "role": "elev"}
    vigo = Feed(pupils_csv(tmp_path, [("1", "Ada", "Berg")]), "csv", "vigo", options)
    (tmp_path / "other").mkdir()
    visma = Feed(pupils_csv(tmp_path / "other", [("2", "Bo", "Li")]), "csv", "visma", options)
    reports: list[Report] = []
    inline = threading.Thread(target=lambda: reports.append(sync.run(sessions, config, vigo)))

    with source_lock(engine, "vigo"):  # as a worker running a run of vigo holds it
        inline.start()
        time.sleep(1)
        assert runs_of(sessions) == 0  # vigo's run has not even started
        assert sync.run(sessions, config, visma).state == "applied"  # another source goes on
        assert inline.is_alive()
    inline.join(timeout=60)
    engine.dispose()

    assert [r.state for r in reports] == ["applied"]
    assert reports[0].counts["accounts"]["created"] == 1
