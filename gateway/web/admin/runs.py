"""Run review: state, timing, counts, issues (filtered, paged, as CSV) and named changes;
a held run's removals by name, with Approve and Discard; an applied run's Revert, previewed
first."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import audit
from gateway.store import models as m
from gateway.store import names, runs
from gateway.sync import run as sync
from gateway.web.admin import reach
from gateway.web.admin.page import render, who
from gateway.web.auth import in_store
from gateway.web.keys import config_key, sessions_key
from mapping.records import RowIssue

routes = web.RouteTableDef()
ISSUES_PER_PAGE = 50
CHANGES_PER_PAGE = 100
REMOVALS_SHOWN = 1000  # a held run lists this many removals by name; the changes page has all
REMOVALS = {"expire", "inactivate", "remove", "delete"}
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _page(request: web.Request, name: str) -> int:
    """A page number from the query, 1 when absent or not a number."""
    text = request.query.get(name, "1")
    return max(1, int(text)) if text.isdigit() else 1


def _filtered(issues: list[RowIssue], request: web.Request) -> list[RowIssue]:
    """The issues of the severity and code asked for."""
    severity, code = request.query.get("severity", ""), request.query.get("code", "")
    return [
        i
        for i in issues
        if (not severity or i.severity == severity) and (not code or i.code == code)
    ]


def _run(session: Session, request: web.Request) -> m.ImportRun:
    """The run the URL names, if the admin reaches it."""
    run = runs.get(session, int(request.match_info["run"]))
    reach.require_run(session, who(request), run)
    return run


def review(session: Session, request: web.Request) -> dict[str, Any]:
    """Everything the run page shows."""
    run = _run(session, request)
    report = runs.report(session, run.id)
    source = session.get(m.Source, run.source_id) if run.source_id else None
    issues = _filtered(report.issues, request)
    page = _page(request, "page")
    rows = runs.changes(session, run.id)
    changes_page = _page(request, "changes")
    first = (changes_page - 1) * CHANGES_PER_PAGE
    shown = range(first, min(first + CHANGES_PER_PAGE, len(rows)))
    removals = [i for i, r in enumerate(rows) if r["action"] in REMOVALS]
    return {
        "run": run,
        "source": source.name if source else "",
        "report": report,
        "codes": sorted({i.code for i in report.issues}),
        "severity": request.query.get("severity", ""),
        "code": request.query.get("code", ""),
        "issues": issues[(page - 1) * ISSUES_PER_PAGE : page * ISSUES_PER_PAGE],
        "issue_count": len(issues),
        "page": page,
        "pages": max(1, -(-len(issues) // ISSUES_PER_PAGE)),
        "changes": names.named(session, run.source_id, rows, shown),
        "change_count": len(rows),
        "changes_page": changes_page,
        "changes_pages": max(1, -(-len(rows) // CHANGES_PER_PAGE)),
        "removals": names.named(session, run.source_id, rows, removals[:REMOVALS_SHOWN])
        if run.state == "held"
        else [],
        "removal_count": len(removals),
    }


@routes.get(r"/runs/{run:\d+}")
async def run_page(request: web.Request) -> web.Response:
    """One run's review."""
    return render(request, "run.html", await in_store(request, lambda s: review(s, request)))


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@routes.get(r"/runs/{run:\d+}/issues.csv")
async def issues_csv(request: web.Request) -> web.Response:
    """The run's issues (as filtered) as CSV, safe to open in a spreadsheet."""

    def work(session: Session) -> list[RowIssue]:
        return _filtered(runs.report(session, _run(session, request).id).issues, request)

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["severity", "code", "entity", "key", "file", "line", "message"])
    for i in await in_store(request, work):
        cells = (i.severity, i.code, i.entity, i.key, i.file, i.line or "", i.message)
        writer.writerow([safe_cell(c) for c in cells])
    name = f"run-{request.match_info['run']}-issues.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _decide(request: web.Request, action: str) -> web.StreamResponse:
    """Approve or discard a held run through the sync's own functions, and log who did."""
    run_id = int(request.match_info["run"])
    admin, address = who(request), request.remote or ""
    await in_store(request, lambda s: _run(s, request))
    sessions, config = request.config_dict[sessions_key], request.config_dict[config_key]
    if action == "approve":
        await asyncio.to_thread(sync.approve, sessions, run_id)
    else:
        await asyncio.to_thread(sync.discard, sessions, run_id, config.heartbeat_timeout)
    await in_store(
        request,
        lambda s: audit.record(s, admin.name, f"run.{action}", str(run_id), address=address),
    )
    raise web.HTTPSeeOther(f"/admin/runs/{run_id}")


@routes.post(r"/runs/{run:\d+}/approve")
async def approve(request: web.Request) -> web.StreamResponse:
    """Apply a held run."""
    return await _decide(request, "approve")


@routes.post(r"/runs/{run:\d+}/discard")
async def discard(request: web.Request) -> web.StreamResponse:
    """Drop a held run: nothing is written."""
    return await _decide(request, "discard")


async def _revert(request: web.Request, dry_run: bool) -> web.StreamResponse:
    """Preview the undo of an applied run, or apply it; either is a run of its own to read."""
    run_id = int(request.match_info["run"])
    admin, address = who(request), request.remote or ""
    await in_store(request, lambda s: _run(s, request))
    sessions = request.config_dict[sessions_key]
    report = await asyncio.to_thread(sync.revert, sessions, run_id, dry_run=dry_run)
    action = "run.revert.preview" if dry_run else "run.revert"
    detail = {"state": report.state, "run": report.run}
    await in_store(
        request, lambda s: audit.record(s, admin.name, action, str(run_id), detail, address)
    )
    raise web.HTTPSeeOther(f"/admin/runs/{report.run}")


@routes.post(r"/runs/{run:\d+}/revert-preview")
async def revert_preview(request: web.Request) -> web.StreamResponse:
    """What undoing an applied run would do, as a previewed revert run."""
    return await _revert(request, dry_run=True)


@routes.post(r"/runs/{run:\d+}/revert")
async def revert(request: web.Request) -> web.StreamResponse:
    """Undo an applied run (after its preview)."""
    return await _revert(request, dry_run=False)
