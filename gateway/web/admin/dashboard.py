"""The dashboard: each source's last run, runs queued and running (with live progress),
runs held for approval, unmapped roles, and sources that fail or have gone quiet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth.scopes import Principal
from gateway.config import Config
from gateway.store import models as m
from gateway.store import profiles, runs, schedules, sources
from gateway.store.owners import now
from gateway.web.admin import reach
from gateway.web.admin.page import render, who
from gateway.web.auth import in_store
from gateway.web.keys import config_key

routes = web.RouteTableDef()
RECENT = 500
ACTIVE = ("queued", "running")


def quiet_after(session: Session, config: Config, source: m.Source, at: datetime) -> timedelta:
    """How long a source may send nothing: its ``quiet_after``, or twice its schedule's gap."""
    settings = sources.effective_settings(session, config, source.name)
    limit = timedelta(hours=float(settings.get("quiet_after", config.quiet_after)))
    schedule = schedules.read(source.schedule)
    if not limit or schedule is None:  # 0: never quiet
        return limit
    return max(limit, 2 * schedules.longest_gap(schedule, at))


def _attention(
    session: Session,
    config: Config,
    mine: list[m.Source],
    latest: dict[str, dict[str, Any]],
    newest: dict[str, datetime],
) -> list[dict[str, Any]]:
    """The sources to look at: their last run failed, or none came for too long, or ever."""
    found = []
    for source in mine:
        last, at = latest.get(source.name), newest.get(source.name)
        if last is not None and last["state"] == "failed":
            found.append({"source": source.name, "why": "failing", "run": last["run"], "at": at})
        elif at is None:
            found.append({"source": source.name, "why": "never", "run": None, "at": None})
        elif (limit := quiet_after(session, config, source, now())) and now() - at > limit:
            row = {"source": source.name, "why": "stale", "run": last and last["run"], "at": at}
            found.append({**row, "hours": limit.total_seconds() / 3600})
    return found


def overview(session: Session, config: Config, admin: Principal) -> dict[str, Any]:
    """What the dashboard shows, limited to the sources the admin reaches."""
    allowed = reach.sources(session, admin)
    known = session.scalars(
        select(m.Source).where(m.Source.retired_at.is_(None)).order_by(m.Source.name)
    )
    mine = [s for s in known if allowed is None or s.id in allowed]
    names = {
        s.name for s in session.scalars(select(m.Source)) if allowed is None or s.id in allowed
    }
    rows = [r for r in runs.listing(session, RECENT) if r["source"] in names]
    for row in rows:
        row["started"] = datetime.fromisoformat(row["started_at"])
    latest: dict[str, dict[str, Any]] = {}
    newest: dict[str, datetime] = {}
    for row in rows:  # newest first: the first settled run of each source is its last
        newest.setdefault(row["source"] or "", row["started"])
        if row["state"] not in ACTIVE:
            latest.setdefault(row["source"] or "", row)
    unmapped = [
        r for r in profiles.review(session) if r["profile"] is None and r["source"] in names
    ]
    return {
        "latest": list(latest.values()),
        "active": [r for r in reversed(rows) if r["state"] in ACTIVE],  # oldest first: queue order
        "held": [r for r in rows if r["state"] == "held"],
        "unmapped": unmapped,
        "attention": _attention(session, config, mine, latest, newest),
    }


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    """The dashboard."""
    admin, config = who(request), request.config_dict[config_key]
    page = await in_store(request, lambda s: overview(s, config, admin))
    return render(request, "dashboard.html", page)
