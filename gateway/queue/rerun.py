"""Kept feeds: each source's latest applied inputs, and running one of them again.

A queued run's input stays in the spool; retention keeps the inputs of each source's last
``keep_feeds`` applied runs whatever their age, so the latest feed can be run again (on a
school's ``guardians_from`` date, or when an admin asks). A re-run is a new queued run of
a copy of that input, with the same format and options.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Config
from gateway.errors import UsageError
from gateway.queue import runs as queue
from gateway.queue import spool
from gateway.store import lookup, pulls, sources
from gateway.store import models as m
from gateway.sync.scope import covers


def kept(session: Session, source_id: int, keep: int) -> list[m.ImportRun]:
    """The source's last ``keep`` applied runs whose input is still in the spool, newest first."""
    run = m.ImportRun
    query = (
        select(run)
        .where(
            run.source_id == source_id,
            run.state == "applied",
            run.dry_run.is_(False),
            run.spool_path.is_not(None),
        )
        .order_by(run.id.desc())
    )
    found: list[m.ImportRun] = []
    for row in session.scalars(query):
        if len(found) == keep:
            break
        if row.spool_path and Path(row.spool_path).exists():
            found.append(row)
    return found


def kept_paths(session: Session, keep: int) -> set[Path]:
    """The spooled inputs every source keeps (retention leaves them alone)."""
    ids = session.scalars(select(m.Source.id))
    return {Path(r.spool_path or "") for s in ids for r in kept(session, s, keep)}


def rerun(
    session: Session,
    config: Config,
    name: str,
    *,
    origin: str = "rerun",
    school: str = "",
    dry_run: bool = False,
) -> int:
    """Queue the source's latest applied feed again; the new run's id.

    ``school``: only that school's records are run (the others are left as they are).
    """
    source = sources.get(session, name)
    latest = kept(session, source.id, 1)
    if not latest:
        raise UsageError(
            f"source {name!r} has no applied feed kept to run again "
            "(only queued, pushed or pulled feeds are kept)"
        )
    previous = latest[0]
    copy = spool.spool_file(Path(previous.spool_path or ""), spool.directory(config))
    # Not the state its pull left (gateway.store.pulls): that is the source's already.
    options = {k: v for k, v in (previous.options or {}).items() if k != pulls.OPTION}
    if school:
        options["only_school"] = _school(session, source, school)
    return queue.enqueue(
        session,
        source=name,
        fmt=previous.format,
        spool_path=copy,
        options=options,
        dry_run=dry_run,
        origin=origin,
    )


def _school(session: Session, source: m.Source, text: str) -> str:
    """The path of the school a re-run is for, one the source may write to."""
    school = lookup.schools(session, source.name).find(text)
    if school is None:
        raise UsageError(f"no school in the store answers to {text!r}")
    if source.schools and not covers(tuple(source.schools), school.key, school.name, school.path):
        raise UsageError(f"{school.path} is not one of source {source.name!r}'s schools")
    return school.path
