"""The scheduler's jobs: thin functions that decide whether to run, then hand over.

Every firing is first *claimed*: a row keyed by source, job and the time it was due, which
the store's unique key lets only one replica insert. The replica that claims it pulls (the
pull enqueues a run the queue's workers apply); the others see the key taken and do
nothing. A blackout window stops a source's scheduled pulls; a school whose
``guardians_from`` date has come gets its source's latest feed run again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import GatewayError
from gateway.pull import PullResult
from gateway.queue import rerun
from gateway.store import models as m
from gateway.store import owners, schedules

log = logging.getLogger(__name__)


# ``gateway.pull.pull``, or a test's stand-in.
Pull = Callable[..., Awaitable[PullResult]]


@dataclass(frozen=True)
class Fired:
    """What one firing came to: ``queued``, ``unchanged``, ``failed``, ``blackout``, ``taken``
    (another replica claimed it) or ``off`` (the source is no longer scheduled)."""

    source: str
    outcome: str
    run: int | None = None
    message: str = ""


def utc(moment: datetime) -> datetime:
    """An aware time as the store keeps times (naive UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def claim(session: Session, source_id: int, job: str, due: datetime) -> int | None:
    """Claim a firing; its row's id, or None when another replica claimed it first."""
    firing = m.Firing(source_id=source_id, job=job, due_at=utc(due), fired_at=owners.now())
    try:
        with session.begin_nested():
            session.add(firing)
    except IntegrityError:
        return None
    return firing.id


def record(sessions: sessionmaker[Session], firing: int, fired: Fired) -> None:
    """Note on the firing's row what it came to."""
    said = f"{fired.outcome}: {fired.message}" if fired.message else fired.outcome
    with sessions.begin() as session:
        session.execute(
            update(m.Firing)
            .where(m.Firing.id == firing)
            .values(run_id=fired.run, outcome=said[:200])
        )


def _start_pull(
    sessions: sessionmaker[Session], name: str, due: datetime, today: date
) -> tuple[int | None, Fired | None]:
    """Claim a scheduled pull of a source: the firing's id, or why it does not run."""
    with sessions.begin() as session:
        source = session.scalar(select(m.Source).where(m.Source.name == name))
        if source is None or source.retired_at is not None or not source.schedule:
            return None, Fired(name, "off")
        blackout = schedules.window_on(session, source.id, "blackout", today)
        if blackout is not None:
            return None, Fired(name, "blackout", message=schedules.span(blackout))
        firing = claim(session, source.id, "pull", due)
    return firing, None if firing else Fired(name, "taken")


async def pull_source(
    sessions: sessionmaker[Session],
    config: Config,
    name: str,
    *,
    due: datetime,
    pull: Pull,
    today: date | None = None,
    failed: Callable[[str], None] = lambda source: None,
) -> Fired:
    """One scheduled pull of a source, due at ``due``: claimed once, then pulled.

    ``failed`` hears the source's name when its pull fails (after the pull's own tries).
    """
    day = today or date.today()
    firing, skipped = await asyncio.to_thread(_start_pull, sessions, name, due, day)
    if firing is None:
        if skipped is not None and skipped.outcome == "blackout":
            log.info("scheduled pull of %s skipped: blackout %s", name, skipped.message)
        return skipped or Fired(name, "taken")
    try:
        result = await pull(sessions, config, name, origin="schedule")
        fired = Fired(name, result.outcome, result.run, result.message)
    except Exception as err:  # a pull that cannot even start (its settings, the store)
        log.warning(
            "scheduled pull of %s failed: %s", name, err, exc_info=not isinstance(err, GatewayError)
        )
        fired = Fired(name, "failed", message=str(err))
    if fired.outcome == "failed":
        failed(name)
    await asyncio.to_thread(record, sessions, firing, fired)
    return fired


def _waiting_schools(session: Session, today: date) -> list[tuple[m.Node, date]]:
    """Schools whose guardians_from has come since their source's latest applied run."""
    setting, node = m.SchoolSetting, m.Node
    rows = session.execute(
        select(node, setting.guardians_from)
        .join(setting, setting.node_id == node.id)
        .where(
            setting.guardians_from.is_not(None),
            setting.guardians_from <= today,
            setting.auto_sync.is_(True),
            setting.sync_guardians.is_(True),
            node.source_id.is_not(None),
        )
    ).all()
    return [
        (school, day)
        for school, day in rows
        if day is not None
        and _applied_before(session, school.source_id, datetime.combine(day, time()))
    ]


def _applied_before(session: Session, source_id: int | None, moment: datetime) -> bool:
    """Whether the source's latest applied run finished before ``moment``."""
    run = m.ImportRun
    latest = session.scalar(
        select(func.max(run.finished_at)).where(
            run.source_id == source_id, run.state == "applied", run.dry_run.is_(False)
        )
    )
    return latest is not None and latest < moment


def activate_guardians(
    sessions: sessionmaker[Session], config: Config, today: date | None = None
) -> list[Fired]:
    """Run the latest feed again for each school whose ``guardians_from`` date has come.

    Once per school and date, whichever replica gets there first; a source in a blackout
    waits for its end.
    """
    day = today or date.today()
    fired: list[Fired] = []
    with sessions() as session:
        waiting = [(s.id, s.source_id, d) for s, d in _waiting_schools(session, day)]
    for school_id, source_id, since in waiting:
        with sessions.begin() as session:
            source = session.get_one(m.Source, source_id)
            if schedules.window_on(session, source.id, "blackout", day) is not None:
                continue
            due = datetime.combine(since, time())
            firing = claim(session, source.id, f"guardians {school_id}", due)
            if firing is None:
                continue
            fired.append(_rerun(session, config, source.name, firing))
    return fired


def _rerun(session: Session, config: Config, name: str, firing: int) -> Fired:
    """Queue the source's latest feed again for a guardians' date, noting it on the firing."""
    try:
        with session.begin_nested():
            outcome = Fired(name, "queued", rerun.rerun(session, config, name, origin="schedule"))
    except GatewayError as err:
        outcome = Fired(name, "failed", message=str(err))
    row = session.get_one(m.Firing, firing)
    row.run_id, row.outcome = outcome.run, outcome.outcome
    log.info("guardians' date: source %s %s (run %s)", name, outcome.outcome, outcome.run)
    return outcome
