"""The import wizard: upload a file → its format and source → (the gateway's CSV) its
columns → a preview with the hierarchy it would make, counts and issues → Finish, which
applies the plan the preview kept (refused once the store has changed since), with a
live progress bar until the import's report is ready.

Between the file and the preview the file waits in the spool, named by a draft: its
spool folder, signed with the session's CSRF token so no other session can use it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session
from yarl import URL

from gateway.errors import ConflictError, Forbidden, NotFound, UsageError
from gateway.feeds import FORMATS
from gateway.queue import spool
from gateway.store import column_maps, runs
from gateway.store import models as m
from gateway.web import spooling
from gateway.web.admin import reach
from gateway.web.admin.page import CSRF, FORM, render, who
from gateway.web.admin.wizard_csv import MappingProblem, choices, chosen, read_columns
from gateway.web.admin.wizard_preview import preview
from gateway.web.auth import in_store
from gateway.web.keys import config_key, sessions_key
from gateway.web.spooling import Spooled
from gateway.web.uploads import Upload, import_preview, queue_upload, require_upload
from mapping.usernames import USERNAME_MODES

routes = web.RouteTableDef()
HOME = "/admin/wizard"

# What a file uploaded here may be: a kept REST pull is the gateway's own, never uploaded.
UPLOADED = tuple(fmt for fmt in FORMATS if fmt != "oneroster-rest")


def _sign(request: web.Request, draft: str) -> str:
    """The draft's signature: only this session's pages can name it."""
    return hmac.new(request[CSRF].encode(), draft.encode(), hashlib.sha256).hexdigest()[:32]


def _draft_file(request: web.Request, values: Any) -> Path:
    """The spooled file a signed draft names."""
    draft, sig = str(values.get("draft", "")), str(values.get("sig", ""))
    folder = spool.directory(request.config_dict[config_key])
    found = folder / draft
    if not draft or "/" in draft or not hmac.compare_digest(sig, _sign(request, draft)):
        raise Forbidden("this file was chosen in another session; choose it again")
    files = sorted(found.iterdir()) if found.is_dir() else []
    if len(files) != 1:
        raise NotFound("the chosen file is gone; choose it again")
    return files[0]


def _sources(session: Session, request: web.Request) -> list[str]:
    """The sources the admin may upload for."""
    names = session.scalars(
        select(m.Source.name).where(m.Source.retired_at.is_(None)).order_by(m.Source.name)
    )
    admin, mine = who(request), []
    for name in names:
        try:
            require_upload(session, admin, name)
        except Forbidden:
            continue
        mine.append(name)
    return mine


@routes.get("/wizard")
async def start(request: web.Request) -> web.Response:
    """Step 1: the file, its source and (if need be) its format."""
    names = await in_store(request, lambda s: _sources(s, request))
    return render(request, "wizard_upload.html", {"sources": names, "formats": UPLOADED})


@routes.post("/wizard")
async def upload(request: web.Request) -> web.StreamResponse:
    """Spool the chosen file; a CSV goes on to its columns, any other feed to its preview."""
    if FORM not in request:
        raise UsageError("send the file in a multipart form")
    spooled = await spooling.spool_form(request[FORM], request, None)
    fields = spooled.fields
    source = fields.get("source", "").strip() or None
    try:
        fmt = fields.get("format") or spooled.format
        if fmt not in UPLOADED:
            raise UsageError(f"format must be one of {', '.join(UPLOADED)}")
        await in_store(request, lambda s: require_upload(s, who(request), source))
        if fmt == "csv":
            draft = spooled.path.parent.name
            query = {"draft": draft, "sig": _sign(request, draft), "source": source or ""}
            raise web.HTTPSeeOther(URL(f"{HOME}/columns").with_query(query))
        run = await _queue(request, Spooled(spooled.path, fmt), Upload(source, dry_run=True))
    except web.HTTPSeeOther:
        raise
    except BaseException:
        spool.discard(spooled.path)
        raise
    raise web.HTTPSeeOther(f"{HOME}/runs/{run}")


async def _queue(request: web.Request, spooled: Spooled, upload: Upload) -> int:
    """Queue a preview or import of a spooled file as the signed-in admin."""
    admin, address = who(request), request.remote or ""
    return int(await in_store(request, lambda s: queue_upload(s, admin, address, spooled, upload)))


def _columns_page(session: Session, path: Path, values: Any, mapping: str | None) -> dict[str, Any]:
    """What the column step shows: the columns, their choices, and the saved mappings."""
    saved = column_maps.get(session, mapping) if mapping else None
    columns = read_columns(path, saved.columns if saved else None)
    usernames = (
        values.get("usernames") or (saved.usernames if saved else None) or "generate-if-taken"
    )
    return {
        "columns": columns,
        "choices": choices(columns),
        "mappings": column_maps.names(session),
        "mapping": mapping or "",
        "usernames": usernames or "generate-if-taken",
        "modes": USERNAME_MODES,
        "file": path.name,
        "draft": values.get("draft", ""),
        "sig": values.get("sig", ""),
        "source": values.get("source", ""),
        "school": values.get("school", ""),
        "role": values.get("role", ""),
    }


@routes.get("/wizard/columns")
async def columns(request: web.Request) -> web.Response:
    """Step 2 for the gateway's CSV: which column holds what, and how usernames are made."""
    path = _draft_file(request, request.query)
    mapping = request.query.get("mapping") or None
    context = await in_store(request, lambda s: _columns_page(s, path, request.query, mapping))
    return render(request, "wizard_columns.html", context)


@routes.post("/wizard/columns")
async def map_columns(request: web.Request) -> web.StreamResponse:
    """Check the columns chosen, save them as a named mapping if asked, and queue the preview."""
    form = await request.post()
    path = _draft_file(request, form)
    headers = [c.header for c in await asyncio.to_thread(read_columns, path)]
    picked = {h: str(form.get(f"col-{i}", "")) for i, h in enumerate(headers)}
    school, role = str(form.get("school", "")).strip(), str(form.get("role", "")).strip()
    usernames = str(form.get("usernames", "")) or None
    try:
        mapped = chosen(headers, picked, role)
    except MappingProblem as problem:
        context = await in_store(request, lambda s: _columns_page(s, path, form, None))
        context["columns"] = [
            dataclasses.replace(c, field=picked.get(c.header, "")) for c in context["columns"]
        ]
        context |= {"problem": problem.code, "problem_fields": ", ".join(problem.fields)}
        return render(request, "wizard_columns.html", context, status=400)
    name, admin = str(form.get("save_as", "")).strip(), who(request)
    if name:
        await in_store(request, lambda s: column_maps.save(s, name, mapped, usernames, admin.name))
    source = str(form.get("source", "")).strip() or None
    upload = Upload(source, school or None, role or None, usernames, dry_run=True, mapped=mapped)
    run = await _queue(request, Spooled(path, "csv"), upload)
    raise web.HTTPSeeOther(f"{HOME}/runs/{run}")


def _run_page(session: Session, request: web.Request) -> dict[str, Any]:
    """A wizard run: its progress while it runs, then its preview or outcome."""
    run = runs.get(session, int(request.match_info["run"]))
    reach.require_run(session, who(request), run)
    if run.origin != "upload":
        raise NotFound(f"run {run.id} was not uploaded in the wizard")
    source = session.get(m.Source, run.source_id) if run.source_id else None
    row = {"run": run.id, "state": run.state, "progress": runs.progress(run)}
    context: dict[str, Any] = {"run": run, "row": row, "source": source.name if source else ""}
    context["stale"] = False  # Finish refused: the store changed since the preview
    if run.state not in ("queued", "running"):
        context |= preview(session, run, request.query)
    return context


@routes.get(r"/wizard/runs/{run:\d+}")
async def run_page(request: web.Request) -> web.Response:
    """The preview (hierarchy, counts, issues) and Finish; then the import's progress."""
    context = await in_store(request, lambda s: _run_page(s, request))
    return render(request, "wizard_run.html", context)


@routes.post(r"/wizard/runs/{run:\d+}/finish")
async def finish(request: web.Request) -> web.StreamResponse:
    """Import what the preview showed, and follow it; a stale preview is shown, refused."""
    preview_id, admin, address = int(request.match_info["run"]), who(request), request.remote or ""
    await in_store(request, lambda s: reach.require_run(s, admin, runs.get(s, preview_id)))
    sessions = request.config_dict[sessions_key]
    try:
        run = await asyncio.to_thread(import_preview, sessions, admin, address, preview_id)
    except ConflictError:
        context = await in_store(request, lambda s: _run_page(s, request))
        return render(request, "wizard_run.html", {**context, "stale": True}, status=409)
    raise web.HTTPSeeOther(f"{HOME}/runs/{run}")
