"""Enqueue and claim: runs of one source one at a time in arrival order, others alongside."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import UsageError
from gateway.queue import claim, enqueue
from gateway.queue.worker import work, work_one
from gateway.store import models as m
from gateway.store import queries
from gateway.sync import run as sync
from tests.gateway.queue.conftest import Enqueue

ADA = ("1", "Ada", "Berg")
BO = ("2", "Bo", "Li")


def names(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Every account's sync key and full name, as the store holds them."""
    with sessions() as session:
        return {
            a["sync_key"]: f"{a['given_name']} {a['family_name']}"
            for a in queries.accounts(session)
        }


def claimed(sessions: sessionmaker[Session]) -> int | None:
    """The run one claim takes, in a transaction of its own."""
    with sessions.begin() as session:
        run = claim(session)
    return None if run is None else run.run


def test_a_queued_run_waits_until_a_worker_applies_it(
    sessions: sessionmaker[Session], config: Config, queue_feed: Enqueue
) -> None:
    run = queue_feed("vigo", [ADA, BO])
    with sessions() as session:
        row = session.get(m.ImportRun, run)
        assert row is not None
        assert (row.state, row.origin, row.format, row.file) == (
            "queued",
            "push",
            "csv",
            "elever.csv",
        )
        assert Path(row.spool_path or "").read_text(encoding="utf-8").startswith("ID;Fornavn")
    assert names(sessions) == {}

    report = work_one(sessions, config)

    assert report is not None
    assert (report.run, report.state) == (run, "applied")
    assert report.counts["accounts"]["created"] == 2
    assert names(sessions) == {"1": "Ada Berg", "2": "Bo Li"}
    with sessions() as session:
        row = session.get(m.ImportRun, run)
        assert row is not None
        assert (row.state, row.owner_host, row.owner_pid) == (
            "applied",
            socket.gethostname(),
            os.getpid(),
        )
        assert row.phase == "apply" and row.records_read == row.records_total
    assert work_one(sessions, config) is None


def test_one_sources_runs_wait_for_each_other_while_another_source_goes_alongside(
    sessions: sessionmaker[Session], config: Config, queue_feed: Enqueue
) -> None:
    first = queue_feed("vigo", [ADA])
    second = queue_feed("vigo", [("1", "Ada", "Lie")])
    other = queue_feed("visma", [BO])

    assert claimed(sessions) == first
    assert claimed(sessions) == other  # vigo's second run waits for its first
    assert claimed(sessions) is None
    with sessions() as session:
        row = session.get(m.ImportRun, first)
        assert row is not None
        feed = sync.Feed(Path(row.spool_path or ""), "csv", "vigo", row.options or {})
    assert sync.run(sessions, config, feed, run_id=first).state == "applied"
    assert claimed(sessions) == second


def test_a_worker_applies_one_sources_runs_in_arrival_order(
    sessions: sessionmaker[Session],
    config: Config,
    queue_feed: Enqueue,
    states: Callable[[], dict[int, str]],
) -> None:
    runs = [queue_feed("vigo", [("1", "Ada", name)]) for name in ("Berg", "Lie", "Holm")]
    done: list[int] = []
    work(sessions, config, drain=True, done=lambda report: done.append(report.run))
    assert done == runs
    assert states() == dict.fromkeys(runs, "applied")
    assert names(sessions) == {"1": "Ada Holm"}


def test_a_run_of_a_source_running_from_the_cli_is_not_claimed(
    sessions: sessionmaker[Session], queue_feed: Enqueue
) -> None:
    with sessions.begin() as session:
        source_id = session.scalar(select(m.Source.id).where(m.Source.name == "vigo"))
        assert source_id is None
    queued = queue_feed("vigo", [ADA])
    with sessions.begin() as session:
        source_id = session.scalar(select(m.Source.id).where(m.Source.name == "vigo"))
        session.add(
            m.ImportRun(
                source_id=source_id,
                state="running",
                owner_host=socket.gethostname(),
                owner_pid=os.getpid(),
            )
        )
    assert claimed(sessions) is None
    with sessions.begin() as session:
        session.execute(
            m.ImportRun.__table__.update()
            .where(m.ImportRun.state == "running")
            .values(state="applied")
        )
    assert claimed(sessions) == queued


def test_a_run_that_fails_is_failed_and_the_queue_moves_on(
    sessions: sessionmaker[Session],
    config: Config,
    queue_feed: Enqueue,
    states: Callable[[], dict[int, str]],
) -> None:
    broken = queue_feed("vigo", [ADA], usernames="sometimes")
    missing = queue_feed("visma", [BO])
    with sessions() as session:
        row = session.get(m.ImportRun, missing)
        assert row is not None
        Path(row.spool_path or "").unlink()
    fine = queue_feed("vigo", [("3", "Cy", "Dahl")])

    work(sessions, config, drain=True)

    assert states() == {broken: "failed", missing: "failed", fine: "applied"}
    with sessions() as session:
        rows = session.execute(select(m.ImportRun.id, m.ImportRun.error))
        errors = {run: error for run, error in rows}
    assert errors[broken] == (
        "usernames must be one of keep, generate, generate-if-taken, not 'sometimes'"
    )
    assert errors[missing].startswith("cannot open ")
    assert names(sessions) == {"3": "Cy Dahl"}


def test_enqueue_refuses_an_unknown_format_or_origin(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session, pytest.raises(UsageError, match="format must be one of"):
        enqueue(session, source="vigo", fmt="xls", spool_path=tmp_path / "x")
    with sessions.begin() as session, pytest.raises(UsageError, match="origin must be one of"):
        enqueue(session, source="vigo", fmt="csv", spool_path=tmp_path / "x", origin="fax")
