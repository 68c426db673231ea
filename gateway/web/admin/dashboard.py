"""The dashboard: each source's latest run, runs held for approval, unmapped roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.auth.scopes import Principal
from gateway.store import models as m
from gateway.store import profiles, runs
from gateway.web.admin import reach
from gateway.web.admin.page import render, who
from gateway.web.auth import in_store

routes = web.RouteTableDef()
RECENT = 500


def issue_totals(session: Session, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many issues of each severity each run reported."""
    totals: dict[int, dict[str, int]] = {run_id: {} for run_id in run_ids}
    query = (
        select(m.RunIssue.run_id, m.RunIssue.severity, func.count())
        .where(m.RunIssue.run_id.in_(run_ids))
        .group_by(m.RunIssue.run_id, m.RunIssue.severity)
    )
    for run_id, severity, count in session.execute(query):
        totals[run_id][severity] = count
    return totals


def overview(session: Session, admin: Principal) -> dict[str, Any]:
    """What the dashboard shows, limited to the sources the admin reaches."""
    allowed = reach.sources(session, admin)
    names = dict(session.execute(select(m.Source.name, m.Source.id)).all())
    rows = [
        r
        for r in runs.listing(session, RECENT)
        if allowed is None or names.get(r["source"]) in allowed
    ]
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:  # newest first: the first run of each source is its latest
        latest.setdefault(row["source"] or "", row)
    held = [r for r in rows if r["state"] == "held"]
    shown = [*latest.values(), *held]
    totals = issue_totals(session, [r["run"] for r in shown])
    for row in shown:
        row["issues"] = totals[row["run"]]
        row["started"] = datetime.fromisoformat(row["started_at"])
    in_reach = {
        name for name, source_id in names.items() if allowed is None or source_id in allowed
    }
    unmapped = [
        r for r in profiles.review(session) if r["profile"] is None and r["source"] in in_reach
    ]
    return {"latest": list(latest.values()), "held": held, "unmapped": unmapped}


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    """The dashboard."""
    admin = who(request)
    return render(request, "dashboard.html", await in_store(request, lambda s: overview(s, admin)))
