"""Retention: spool files and previews' kept plans go after ``retention_days``.

Only what can be made again goes: a pushed body once its run is done with it, and the
plan a preview (or a discarded or failed run) kept for ``rostergate changes``. A held
run's plan waits for its approval, each source's last ``keep_feeds`` applied inputs wait
to be run again (``gateway.queue.rerun``), and runs, issues and the change log are
history: none of them is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.config import Config
from gateway.queue import rerun
from gateway.store import models as m

# The states whose stored plan nothing will apply any more.
SPENT_PLAN_STATES = ("previewed", "discarded", "failed")


@dataclass
class Cleaned:
    """What one clean removed."""

    spool_files: list[str] = field(default_factory=list)
    plans: list[int] = field(default_factory=list)  # the runs whose plan was dropped


def clean(session: Session, config: Config, now: datetime) -> Cleaned:
    """Remove spool files and spent plans older than the retention period; say which."""
    cutoff = now - timedelta(days=config.retention_days)
    waiting = _waiting_inputs(session)
    kept = rerun.kept_paths(session, config.keep_feeds)
    files = _spool_files(Path(config.spool_dir), cutoff, kept | waiting)
    return Cleaned(files, _plans(session, cutoff))


def _waiting_inputs(session: Session) -> set[Path]:
    """The spool folders of runs queued or running: their input is still to be read."""
    run = m.ImportRun
    query = select(run.spool_path).where(
        run.state.in_(("queued", "running")), run.spool_path.is_not(None)
    )
    return {Path(path).resolve().parent for path in session.scalars(query) if path}


def _spool_files(spool: Path, cutoff: datetime, kept: set[Path]) -> list[str]:
    """Delete the spool's files last written before the cutoff (naive UTC), but for those in or
    under a kept input or a run still to be read (a copied package keeps its files' old
    times); their paths."""
    if not spool.is_dir():
        return []
    oldest = cutoff.replace(tzinfo=UTC).timestamp()
    removed = []
    for path in sorted(spool.rglob("*")):
        if any(k == path.resolve() or k in path.resolve().parents for k in kept):
            continue
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)  # another replica may have cleaned it first
            removed.append(str(path))
    return removed


def _plans(session: Session, cutoff: datetime) -> list[int]:
    """Drop the plans spent runs finished before the cutoff kept; the runs' ids."""
    run = m.ImportRun
    when = func.coalesce(run.finished_at, run.started_at)
    spent = (run.state.in_(SPENT_PLAN_STATES), run.plan.is_not(None), when < cutoff)
    ids = list(session.scalars(select(run.id).where(*spent).order_by(run.id)))
    if ids:
        session.execute(update(run).where(run.id.in_(ids)).values(plan=None))
    return ids
