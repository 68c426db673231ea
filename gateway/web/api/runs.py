"""Runs: the list, a report, its issues and changes, approve, discard and revert.

A run belongs to its source's schools (``gateway.store.reach``): a school admin sees it
when one of them is theirs, and approves, discards or reverts it only when all are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.store import names, owners, reach, runs
from gateway.sync import run as sync
from gateway.sync.report import Report
from gateway.web.api.base import flag, log, page, read, reply, run_id, text, write
from gateway.web.keys import config_key, sessions_key
from gateway.web.spec import PAGE, Param, describe

routes = web.RouteTableDef()
TAG = "runs"
Act = Callable[[sessionmaker[Session], int], Report]  # what the CLI calls: approve, discard …


def in_reach(session: Session, who: Principal, run: int, change: bool = False) -> None:
    """Refuse a run outside the caller's schools (to change it, all of its schools)."""
    schools = reach.run_schools(session, runs.get(session, run))
    if change:
        scopes.require_all(session, who, schools, f"change run {run}")
    else:
        scopes.require_any(session, who, schools, f"see run {run}")


def _since(request: web.Request) -> datetime | None:
    """The ``since`` parameter: an ISO date or time (UTC when it names no zone)."""
    value = text(request, "since")
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"since must be an ISO date or time, not {value!r}") from None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


@routes.get("/runs")
@describe(
    "The latest runs, newest first",
    TAG,
    query=(
        Param("source", "only this source's runs"),
        Param("state", "only runs in this state (applied, held, previewed, failed …)"),
        Param("since", "only runs started at or after this ISO date or time"),
        *PAGE,
    ),
)
async def list_runs(request: web.Request) -> web.Response:
    """The latest runs; a school admin's, of their schools' sources."""
    limit, offset = page(request)
    since = _since(request)
    timeout = request.config_dict[config_key].heartbeat_timeout

    def work(session: Session, who: Principal) -> tuple[list[dict[str, Any]], int]:
        owners.recover(session, timeout)
        mine = scopes.school_ids(session, who)
        sources = None if mine is None else frozenset(reach.sources_in(session, mine))
        where = runs.RunFilter(text(request, "source"), text(request, "state"), since, sources)
        return runs.listing(session, limit, offset, where), runs.total(session, where)

    rows, total = await write(request, work)
    return reply(rows, total=total)


@routes.get(r"/runs/{run:\d+}")
@describe("A run's report (DESIGN §5)", TAG)
async def show_run(request: web.Request) -> web.Response:
    """One run's report."""
    run = run_id(request)

    def work(session: Session, who: Principal) -> dict[str, Any]:
        in_reach(session, who, run)
        return runs.report(session, run).to_json()

    return reply(await read(request, work))


@routes.get(r"/runs/{run:\d+}/issues")
@describe(
    "A run's issues, paged",
    TAG,
    query=(
        Param("severity", "only issues of this severity", enum=("error", "warning", "info")),
        Param("code", "only issues with this code, e.g. unmapped_role"),
        *PAGE,
    ),
)
async def run_issues(request: web.Request) -> web.Response:
    """A page of a run's issues."""
    run, (limit, offset) = run_id(request), page(request)
    severity, code = text(request, "severity"), text(request, "code")

    def work(session: Session, who: Principal) -> tuple[list[dict[str, Any]], int]:
        in_reach(session, who, run)
        return runs.issues(session, run, severity=severity, code=code, limit=limit, offset=offset)

    rows, total = await read(request, work)
    return reply(rows, total=total)


@routes.get(r"/runs/{run:\d+}/changes")
@describe("What a run changed, or for a preview or held run would change, paged", TAG, query=PAGE)
async def run_changes(request: web.Request) -> web.Response:
    """A page of a run's changes, as `rostergate changes` shows them."""
    run, (limit, offset) = run_id(request), page(request)

    def work(session: Session, who: Principal) -> tuple[list[dict[str, Any]], int]:
        in_reach(session, who, run)
        rows, source_id = runs.changes(session, run), runs.get(session, run).source_id
        shown = range(offset, min(offset + limit, len(rows)))
        return names.named(session, source_id, rows, shown), len(rows)

    rows, total = await read(request, work)
    return reply(rows, total=total)


async def _act(request: web.Request, action: str, act: Act) -> web.Response:
    """Check the caller may change the run, do it as the CLI does, and log it."""
    run = run_id(request)
    await read(request, lambda session, who: in_reach(session, who, run, change=True))
    report = await asyncio.to_thread(act, request.config_dict[sessions_key], run)
    detail = {"state": report.state, "run": report.run}
    await write(request, lambda session, _: log(session, request, action, f"run {run}", detail))
    return reply(report.to_json())


@routes.post(r"/runs/{run:\d+}/approve")
@describe("Apply a run held for approval", TAG)
async def approve(request: web.Request) -> web.Response:
    """Apply a held run (`rostergate approve`)."""
    return await _act(request, "run.approve", sync.approve)


@routes.post(r"/runs/{run:\d+}/discard")
@describe("Drop a held run, or a running one whose process is gone", TAG)
async def discard(request: web.Request) -> web.Response:
    """Drop a held run (`rostergate discard`)."""
    timeout = request.config_dict[config_key].heartbeat_timeout
    return await _act(request, "run.discard", lambda s, run: sync.discard(s, run, timeout))


@routes.post(r"/runs/{run:\d+}/revert")
@describe(
    "Undo an applied run from its change log (or preview the undo)",
    TAG,
    query=(Param("dry_run", "1: only show what the revert would do", "boolean"),),
)
async def revert(request: web.Request) -> web.Response:
    """Undo an applied run (`rostergate revert`); the revert is a run of its own."""
    dry_run = flag(request, "dry_run")
    action = "run.revert.preview" if dry_run else "run.revert"
    return await _act(request, action, lambda s, run: sync.revert(s, run, dry_run=dry_run))
