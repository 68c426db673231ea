"""Vendor push: a source posts its feed to ``/push/{source}`` and reads back what became of it.

Every route needs the source's push token as ``Authorization: Bearer <token>``: no token,
a wrong one, or the token of a retired source answers 401, and so does a retired or
unknown source to anyone without a valid token (a stranger learns no source's name);
another source's token answers 403, whatever the source in the path. A pushed body is
spooled and queued as a run (origin ``push``) that the workers of ``serve`` apply; a body
byte-identical to the source's last applied one is not parsed again, only recorded as a
run that says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import NotFound
from gateway.queue import enqueue, spool
from gateway.store import models as m
from gateway.store import owners, runs, sources
from gateway.store.runs import RunFilter
from gateway.sync.changes import Plan
from gateway.web import spooling
from gateway.web.api.base import flag, page, reply, run_id, text
from gateway.web.auth import Handler, in_store
from gateway.web.keys import sessions_key
from gateway.web.metrics import metrics_key
from gateway.web.spec import PAGE, Param, describe
from mapping.records import RowIssue

routes = web.RouteTableDef()
T = TypeVar("T")
TAG = "push"
SOURCE = r"/{source:[^/]+}"
IDENTICAL = "identical_body"


def _refuse(status: type[web.HTTPException], message: str) -> web.HTTPException:
    """An HTTP error with a JSON body."""
    return status(text=json.dumps({"error": message}), content_type="application/json")


@web.middleware
async def credentials(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let through only a request bearing the push token of the source named in its path."""
    name = request.match_info.get("source", "")
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    who = await in_store(request, lambda s: sources.authenticate(s, name, token)) if token else None
    if who is None:
        raise _refuse(web.HTTPUnauthorized, "send the source's push token as a Bearer token")
    if who.name != name:
        raise _refuse(web.HTTPForbidden, f"this push token is not source {name!r}'s")
    return await handler(request)


def _sha256(path: Path) -> str:
    """The SHA-256 of a spooled body."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _last_applied(session: Session, source_id: int) -> m.ImportRun | None:
    """The source's last applied import."""
    return session.scalar(
        select(m.ImportRun)
        .where(
            m.ImportRun.source_id == source_id,
            m.ImportRun.kind == "import",
            m.ImportRun.state == "applied",
        )
        .order_by(m.ImportRun.id.desc())
        .limit(1)
    )


def _identical(
    session: Session,
    source: m.Source,
    fmt: str,
    path: Path,
    options: dict[str, Any],
    dry_run: bool,
    earlier: int,
) -> int:
    """Record a run for a body identical to run ``earlier``'s: nothing read, nothing changed."""
    run = runs.start(session, source_id=source.id, fmt=fmt, file=path.name, dry_run=dry_run)
    row = runs.get(session, run)
    row.origin, row.options, row.queued_at = "push", options, owners.now()
    session.flush()
    note = f"identical to run {earlier}: the body was not read again and nothing changed"
    issue = RowIssue("info", IDENTICAL, note, "feed", "", None, path.name)
    nothing = Plan(source.id, 0, issues=[issue])
    runs.finish(session, run, "previewed" if dry_run else "applied", nothing, owners.now())
    return run


@routes.post(SOURCE)
@describe(
    "Push a feed (IMS XML, a OneRoster zip, the gateway's CSV, or one file in a form)",
    TAG,
    query=(
        Param("dry_run", "1: queue a preview that changes nothing", "boolean"),
        Param("school", "CSV: the school of rows that name none"),
        Param("role", "CSV: the role of rows that name none"),
    ),
    status=202,
)
async def push(request: web.Request) -> web.Response:
    """Spool the body and queue it as a run of the source; 202 with where to follow it."""
    name, dry_run = request.match_info["source"], flag(request, "dry_run")
    stored = await in_store(request, lambda s: sources.get(s, name).format)
    if request.content_type != "multipart/form-data":  # the Content-Type says, over the source
        stored = spooling.BY_TYPE.get(request.content_type) or stored
    spooled = await spooling.spool_request(request, stored)
    path, fmt = spooled.path, spooled.format
    size, digest = path.stat().st_size, await asyncio.to_thread(_sha256, path)
    options: dict[str, Any] = {k: v for k in ("school", "role") if (v := text(request, k))}
    options["sha256"] = digest  # what the next push of the same body is known by

    def queue(session: Session) -> tuple[int, str, int | None]:
        source = sources.get(session, name)
        last = _last_applied(session, source.id)
        if last is not None and (last.options or {}).get("sha256") == digest:
            spool.discard(path)
            run = _identical(session, source, fmt, path, options, dry_run, last.id)
            return run, "previewed" if dry_run else "applied", last.id
        run = enqueue(session, source=name, fmt=fmt, spool_path=path, options=options,
                      dry_run=dry_run, origin="push")  # fmt: skip
        return run, "queued", None

    try:
        run, state, earlier = await in_store(request, queue)
    except BaseException:
        spool.discard(path)
        raise
    request.config_dict[metrics_key].push_bytes.labels(name).inc(size)
    body: dict[str, Any] = {"run": run, "state": state, "status": f"/push/{name}/runs/{run}"}
    if earlier is not None:
        body["identical_to"] = earlier
    return reply(body, status=202)


def _own_run(session: Session, name: str, run: int) -> m.ImportRun:
    """A run of this source; another source's is as if there were none."""
    found = runs.get(session, run)
    source = session.get(m.Source, found.source_id) if found.source_id else None
    if source is None or source.name != name:
        raise NotFound(f"there is no run {run}")
    return found


@routes.get(SOURCE + "/runs")
@describe("The source's runs, newest first", TAG, query=PAGE)
async def list_runs(request: web.Request) -> web.Response:
    """A page of the source's runs: state, progress, counts and issue totals."""
    name, (limit, offset) = request.match_info["source"], page(request)
    where = RunFilter(source=name)

    def work(session: Session) -> tuple[list[dict[str, Any]], int]:
        return runs.listing(session, limit, offset, where), runs.total(session, where)

    rows, total = await _read(request, work)
    return reply(rows, total=total)


@routes.get(SOURCE + r"/runs/{run:\d+}")
@describe(
    "One of the source's runs: state, progress, counts and a page of its issues",
    TAG,
    query=(
        Param("severity", "only issues of this severity", enum=("error", "warning", "info")),
        Param("code", "only issues with this code, e.g. out_of_scope"),
        *PAGE,
    ),
)
async def show_run(request: web.Request) -> web.Response:
    """A run's report with a page of its issues (``issue_total`` says how many match)."""
    name, run, (limit, offset) = request.match_info["source"], run_id(request), page(request)
    severity, code = text(request, "severity"), text(request, "code")

    def work(session: Session) -> dict[str, Any]:
        _own_run(session, name, run)
        found, total = runs.issues(
            session, run, severity=severity, code=code, limit=limit, offset=offset
        )
        return {**runs.report(session, run).to_json(), "issues": found, "issue_total": total}

    return reply(await _read(request, work))


async def _read(request: web.Request, work: Callable[[Session], T]) -> T:
    """Run a read on a worker thread (the store is synchronous, the loop is not)."""
    sessions = request.config_dict[sessions_key]

    def run() -> T:
        with sessions() as session:
            return work(session)

    return await asyncio.to_thread(run)


def create() -> web.Application:
    """The /push sub-app."""
    app = web.Application(middlewares=[credentials])
    app.add_routes(routes)
    return app
