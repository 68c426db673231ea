"""Retention: old spool files and spent plans go; held plans and history stay."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.store import models as m
from gateway.store import retention
from tests.support.cli import Cli

NOW = datetime(2026, 12, 3, 12, 0)
OLD, RECENT = NOW - timedelta(days=31), NOW - timedelta(days=29)


def add_run(session: Session, state: str, finished: datetime, plan: bytes | None = b"plan") -> int:
    """A run row in this state, finished then, keeping this plan."""
    run = m.ImportRun(state=state, format="csv", file="f.csv", finished_at=finished, plan=plan)
    run.started_at = finished - timedelta(minutes=1)
    session.add(run)
    session.flush()
    return run.id


def spool_file(spool: Path, name: str, written: datetime) -> Path:
    """A spool file last written then."""
    path = spool / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"<enterprise/>")
    stamp = written.replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def plans(sessions: sessionmaker[Session]) -> dict[int, bool]:
    """Whether each run still keeps a plan."""
    with sessions() as session:
        rows = session.execute(select(m.ImportRun.id, m.ImportRun.plan))
        return {run: plan is not None for run, plan in rows}


def test_clean_removes_what_is_spent_and_old(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with sessions.begin() as session:
        old_preview = add_run(session, "previewed", OLD)
        new_preview = add_run(session, "previewed", RECENT)
        old_failed = add_run(session, "failed", OLD)
        old_discarded = add_run(session, "discarded", OLD)
        old_held = add_run(session, "held", OLD)
        old_applied = add_run(session, "applied", OLD, plan=None)
        session.add(m.RunIssue(run_id=old_preview, severity="warning", code="x", message="m"))
    spool = tmp_path / "spool"
    gone = spool_file(spool, "visma/1.xml", OLD)
    kept = spool_file(spool, "2.zip", RECENT)
    config = Config(database_url=database_url, spool_dir=str(spool))

    with sessions.begin() as session:
        cleaned = retention.clean(session, config, NOW)

    assert cleaned.plans == [old_preview, old_failed, old_discarded]
    assert cleaned.spool_files == [str(gone)]
    assert not gone.exists() and kept.exists()
    assert plans(sessions) == {
        old_preview: False,
        new_preview: True,
        old_failed: False,
        old_discarded: False,
        old_held: True,
        old_applied: False,
    }
    with sessions() as session:  # the runs and their issues are history: all still there
        assert session.scalar(select(m.RunIssue.code)) == "x"
        assert len(session.scalars(select(m.ImportRun.id)).all()) == 6
    with sessions.begin() as session:
        assert retention.clean(session, config, NOW) == retention.Cleaned()


def test_a_shorter_retention_and_a_missing_spool(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with sessions.begin() as session:
        preview = add_run(session, "previewed", NOW - timedelta(days=2))
    config = Config(database_url=database_url, spool_dir=str(tmp_path / "none"), retention_days=1)
    with sessions.begin() as session:
        assert retention.clean(session, config, NOW) == retention.Cleaned([], [preview])


def test_rostergate_clean_prints_what_it_removed(
    cli: Cli, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with sessions.begin() as session:
        preview = add_run(session, "previewed", now - timedelta(days=40))
        held = add_run(session, "held", now - timedelta(days=40))
    path = spool_file(tmp_path / "spool", "old.csv", now - timedelta(days=40))
    monkeypatch.setenv("ROSTERGATE_SPOOL_DIR", str(tmp_path / "spool"))

    done = cli("clean")
    assert (done.code, done.out) == (
        0,
        f"removed spool file {path}\nremoved the kept plan of run {preview}\n",
    )
    assert plans(sessions)[held]
    assert cli.json("clean") == {"spool_files": [], "plans": []}
    assert cli("clean").out == "nothing older than 30 days to remove\n"


def test_the_input_of_a_run_still_queued_or_running_stays_however_old(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    queued = spool_file(spool, "20261001T000000-aa/package/users.csv", OLD)  # copied: old times
    running = spool_file(spool, "20261001T000000-bb/elever.csv", OLD)
    done = spool_file(spool, "20261001T000000-cc/elever.csv", OLD)
    with sessions.begin() as session:
        for state, path in (("queued", queued.parent), ("running", running), ("applied", done)):
            run = m.ImportRun(state=state, format="csv", file=path.name, spool_path=str(path))
            session.add(run)
    config = Config(database_url=database_url, spool_dir=str(spool))

    with sessions.begin() as session:
        cleaned = retention.clean(session, config, NOW)

    assert cleaned.spool_files == [str(done)]
    assert queued.exists() and running.exists() and not done.exists()


def test_each_sources_last_keep_feeds_applied_inputs_stay_however_old(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    inputs = [spool_file(spool, f"{n}/feed.xml", OLD) for n in range(5)]
    package = spool_file(spool, "5/package/users.csv", OLD).parent  # a OneRoster folder
    with sessions.begin() as session:
        source = m.Source(name="sis", schools=[], settings={})
        session.add(source)
        session.flush()
        for n, (path, state) in enumerate(
            zip(
                [*inputs, package],
                ["applied", "applied", "failed", "applied", "applied", "applied"],
                strict=True,
            )
        ):
            run = add_run(session, state, OLD, plan=None)
            row = session.get_one(m.ImportRun, run)
            row.source_id, row.spool_path, row.file = source.id, str(path), f"{n}"
        config = Config(spool_dir=str(spool), keep_feeds=3)
        cleaned = retention.clean(session, config, NOW)
    kept = [inputs[3], inputs[4], package / "users.csv"]
    assert sorted(cleaned.spool_files) == sorted(str(p) for p in inputs[:3])
    assert all(path.exists() for path in kept)
