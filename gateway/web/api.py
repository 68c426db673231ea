"""The admin JSON API (read side): runs, reports and what the store holds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.errors import UsageError
from gateway.store import queries, runs
from gateway.web.keys import principal_key, sessions_key

routes = web.RouteTableDef()


async def _read(request: web.Request, query: Callable[[Session], Any]) -> Any:
    """Run a read query in a worker thread: the store is synchronous, the loop is not.

    These reads span every school, so they are the site admins' until they take a scope.
    """
    scopes.require_site(request[principal_key], "read across all schools")
    sessions = request.config_dict[sessions_key]

    def work() -> Any:
        with sessions() as session:
            return query(session)

    return await asyncio.to_thread(work)


@routes.get("/runs")
async def list_runs(request: web.Request) -> web.Response:
    """The latest runs."""
    return web.json_response(await _read(request, runs.listing), dumps=_dumps)


@routes.get(r"/runs/{run:\d+}")
async def show_run(request: web.Request) -> web.Response:
    """One run's report (DESIGN §5)."""
    run_id = int(request.match_info["run"])
    report = await _read(request, lambda s: runs.report(s, run_id))
    return web.json_response(report.to_json(), dumps=_dumps)


@routes.get(r"/runs/{run:\d+}/changes")
async def run_changes(request: web.Request) -> web.Response:
    """What a run changed, or for a preview or held run would change, as `rostergate changes`."""
    run_id = int(request.match_info["run"])
    rows = await _read(request, lambda s: runs.changes(s, run_id))
    return web.json_response(rows, dumps=_dumps)


@routes.get(r"/{what:accounts|nodes|groups|memberships}")
async def listing(request: web.Request) -> web.Response:
    """What the store holds, as `rostergate list --json` prints it."""
    query = getattr(queries, request.match_info["what"])
    filters = _filters(request)
    return web.json_response(await _read(request, lambda s: query(s, filters)), dumps=_dumps)


def _filters(request: web.Request) -> queries.Filters:
    """A listing's filters and page from the query string, as `rostergate list` takes them."""
    values: dict[str, Any] = dict(request.query)
    unknown = sorted(set(values) - set(queries.FILTER_NAMES))
    if unknown:
        known = ", ".join(queries.FILTER_NAMES)
        raise UsageError(f"unknown parameter {unknown[0]}; known: {known}")
    for name in ("limit", "offset"):
        text = values.get(name)
        if text is not None and not text.isdigit():
            raise UsageError(f"{name} must be a whole number 0 or more, not {text!r}")
        if text is not None:
            values[name] = int(text)
    return queries.Filters(**values)


def _dumps(data: Any) -> str:
    """JSON with dates as strings."""
    return json.dumps(data, ensure_ascii=False, default=str)
