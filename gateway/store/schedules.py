"""When a source is pulled, and the date windows that limit its runs.

A schedule is kept on the source's row as text the scheduler reads back whenever it
starts: ``cron 0 5 * * 1-5`` (a crontab line, in the server's time zone) or ``every 2h``.
Windows are date ranges, both ends included: ``blackout`` (no scheduled runs) and
``additions_only`` (runs create and update but never expire or remove).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, UsageError
from gateway.store import models as m
from gateway.store import owners, sources

WINDOW_KINDS = ("blackout", "additions_only")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
EVERY = re.compile(r"(\d+)\s*([smhd])")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: a crontab line, or an interval in seconds."""

    cron: str = ""
    every: int = 0

    @property
    def text(self) -> str:
        """How the source's row keeps it and people read it: ``cron …`` or ``every 2h``."""
        if self.cron:
            return f"cron {self.cron}"
        unit = next(u for u in ("d", "h", "m", "s") if self.every % UNITS[u] == 0)
        return f"every {self.every // UNITS[unit]}{unit}"


def parse_every(text: str) -> int:
    """An interval such as ``2h``, ``90m`` or ``1h30m`` in seconds."""
    compact = text.strip().lower()
    parts = EVERY.findall(compact)
    if not parts or EVERY.sub("", compact).strip():
        raise UsageError(f"--every must be an interval such as 2h, 30m or 1d, not {text!r}")
    seconds = sum(int(n) * UNITS[unit] for n, unit in parts)
    if seconds < 1:
        raise UsageError(f"--every must be at least one second, not {text!r}")
    return seconds


def parse_cron(text: str) -> str:
    """A crontab line (minute hour day month weekday), checked."""
    line = " ".join(text.split())
    try:
        CronTrigger.from_crontab(line)
    except ValueError as err:
        raise UsageError(f"--cron must be a crontab line such as '0 5 * * 1-5': {err}") from None
    return line


def read(text: str | None) -> Schedule | None:
    """A stored schedule, or None when the source has none."""
    if not text:
        return None
    kind, _, value = text.partition(" ")
    return Schedule(cron=value) if kind == "cron" else Schedule(every=parse_every(value))


def set_schedule(session: Session, name: str, schedule: Schedule | None) -> m.Source:
    """Give a source a schedule, or take it away (None)."""
    source = sources.get(session, name)
    if schedule is not None and source.retired_at is not None:
        raise UsageError(f"source {name!r} is retired: add it again before scheduling it")
    if schedule is not None and not source.pull:  # its firings would fail forever
        raise UsageError(
            f"source {name!r} has nothing to pull from: add --url/--sftp-host/… with "
            f"`rostergate source set {name} --url …` (API: PATCH its pull) first"
        )
    source.schedule = schedule.text if schedule else None
    source.updated_at = owners.now()
    return source


def longest_gap(schedule: Schedule, at: datetime) -> timedelta:
    """The longest time between firings (a crontab line's, over its firings from a week before)."""
    if not schedule.cron:
        return timedelta(seconds=schedule.every)
    trigger = CronTrigger.from_crontab(schedule.cron)
    fired: list[datetime] = []
    previous, start = None, at.astimezone() - timedelta(days=7)
    while len(fired) < 8 and (fire := trigger.get_next_fire_time(previous, start)) is not None:
        fired.append(fire)
        previous = start = fire
    return max((b - a for a, b in pairwise(fired)), default=timedelta(0))


def parse_range(text: str) -> tuple[date, date]:
    """A date range ``2027-06-20..2027-08-10`` (both days included)."""
    first, sep, last = text.partition("..")
    try:
        starts, ends = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        starts = ends = date.min
    if not sep or starts == date.min:
        raise UsageError(f"a window is FIRST..LAST, such as 2027-06-20..2027-08-10, not {text!r}")
    if ends < starts:
        raise UsageError(f"the window {text!r} ends before it starts")
    return starts, ends


def add_window(session: Session, name: str, kind: str, text: str) -> m.SourceWindow:
    """Add a window of ``kind`` to a source."""
    if kind not in WINDOW_KINDS:
        raise UsageError(f"a window is one of {', '.join(WINDOW_KINDS)}, not {kind!r}")
    starts, ends = parse_range(text)
    window = m.SourceWindow(
        source_id=sources.get(session, name).id, kind=kind, starts=starts, ends=ends
    )
    session.add(window)
    session.flush()
    return window


def windows(session: Session, name: str) -> list[m.SourceWindow]:
    """A source's windows, by first day."""
    source = sources.get(session, name)
    query = select(m.SourceWindow).where(m.SourceWindow.source_id == source.id)
    return list(session.scalars(query.order_by(m.SourceWindow.starts, m.SourceWindow.id)))


def remove_window(session: Session, name: str, window_id: int) -> None:
    """Remove one of a source's windows by its id."""
    window = next((w for w in windows(session, name) if w.id == window_id), None)
    if window is None:
        raise NotFound(f"source {name!r} has no window {window_id}: `source window {name}` lists")
    session.delete(window)


def window_on(session: Session, source_id: int, kind: str, day: date) -> m.SourceWindow | None:
    """The source's window of ``kind`` that ``day`` falls in, or None."""
    query = select(m.SourceWindow).where(
        m.SourceWindow.source_id == source_id,
        m.SourceWindow.kind == kind,
        m.SourceWindow.starts <= day,
        m.SourceWindow.ends >= day,
    )
    return session.scalars(query.order_by(m.SourceWindow.starts)).first()


def window_dict(window: m.SourceWindow) -> dict[str, Any]:
    """A window as the CLI's JSON and the API give it."""
    return {
        "id": window.id,
        "kind": window.kind,
        "starts": window.starts.isoformat(),
        "ends": window.ends.isoformat(),
    }


def span(window: m.SourceWindow) -> str:
    """A window's days as they were given."""
    return f"{window.starts.isoformat()}..{window.ends.isoformat()}"
