"""Queued runs: enqueue one, and claim the oldest a worker may take.

A worker claims the oldest queued run whose source has no run running and no older run
waiting, so runs of one source go one at a time in arrival order while other sources'
runs go alongside. The claim is one conditional UPDATE of that run to ``running``: on
PostgreSQL its choice is ``SELECT … FOR UPDATE SKIP LOCKED``, so claimers on any number
of processes never take the same run; SQLite runs the statement under its single writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, event, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from gateway.errors import UsageError
from gateway.feeds import FORMATS, Feed
from gateway.store import models as m
from gateway.store import owners, sources

ORIGINS = ("push", "upload", "schedule", "cli", "rerun")

# What to call when a run is enqueued (and committed) in this process: workers' wake-ups.
_wakers: set[Callable[[], None]] = set()


def on_enqueue(wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` whenever a run enqueued in this process is committed; return the undo."""
    _wakers.add(wake)
    return lambda: _wakers.discard(wake)


def _wake_all(_session: Session) -> None:
    """Tell this process's workers that a run waits."""
    for wake in list(_wakers):
        wake()


def enqueue(
    session: Session,
    *,
    source: str,
    fmt: str,
    spool_path: Path,
    options: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    origin: str = "cli",
) -> int:
    """Queue an import (or a preview) of a spooled input for ``source``; return the run's id.

    ``options`` are the feed's options as the CLI takes them (school, role, usernames,
    columns, strict). The caller commits; workers in this process wake when it does.
    """
    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if origin not in ORIGINS:
        raise UsageError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}")
    run = m.ImportRun(
        source_id=sources.ensure(session, source or fmt),
        format=fmt,
        file=spool_path.name,
        dry_run=dry_run,
        state="queued",
        origin=origin,
        spool_path=str(spool_path),
        options=dict(options or {}),
        queued_at=owners.now(),
    )
    session.add(run)
    session.flush()
    if not event.contains(session, "after_commit", _wake_all):
        event.listen(session, "after_commit", _wake_all)
    return run.id


@dataclass(frozen=True)
class Claimed:
    """A queued run a worker now owns: what to run, and how."""

    run: int
    source: str
    format: str
    spool_path: Path
    options: Mapping[str, Any]
    dry_run: bool

    def feed(self) -> Feed:
        """The feed the run imports."""
        return Feed(self.spool_path, self.format, self.source, self.options)


def claim(session: Session) -> Claimed | None:
    """Take the oldest run a worker may run now (marking it running, owned by this process)."""
    run, other = aliased(m.ImportRun), aliased(m.ImportRun)
    busy = exists().where(
        other.source_id == run.source_id,
        or_(other.state == "running", and_(other.state == "queued", other.id < run.id)),
    )
    oldest = (
        select(run.id)
        .where(run.state == "queued", ~busy)
        .order_by(run.id)
        .limit(1)
        .with_for_update(of=run, skip_locked=True)
        .scalar_subquery()
    )
    claimed_id = session.scalar(
        update(m.ImportRun)
        .where(m.ImportRun.id == oldest, m.ImportRun.state == "queued")
        .values(state="running", started_at=owners.now(), **owners.this_process())
        .returning(m.ImportRun.id)
    )
    if claimed_id is None:
        return None
    row = session.execute(
        select(m.ImportRun, m.Source.name)
        .join(m.Source)
        .where(m.ImportRun.id == claimed_id)
        .execution_options(populate_existing=True)
    ).one()
    queued: m.ImportRun = row[0]
    return Claimed(
        queued.id,
        row[1],
        queued.format,
        Path(queued.spool_path or ""),
        queued.options or {},
        queued.dry_run,
    )


def waiting(session: Session) -> int:
    """How many runs are queued."""
    return session.scalar(select(func.count()).where(m.ImportRun.state == "queued")) or 0
