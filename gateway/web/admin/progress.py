"""A run's progress as server-sent events, until it settles: what the live progress bars read.

Each event's data is the run's state and progress as JSON (phase, records read, of how
many); a change is sent as it is seen on the run's row (``gateway.store.progress`` writes
it there), a comment line keeps a quiet stream open, and a settled run's last event is
``done`` with its counts and issue totals. A school admin follows only runs they reach.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.store import runs
from gateway.web.admin import reach
from gateway.web.admin.page import HEADERS, who
from gateway.web.auth import in_store

routes = web.RouteTableDef()
# How often the run's row is read, and how long a quiet stream waits before saying so.
POLL_SECONDS = 0.25
KEEP_ALIVE_SECONDS = 15.0
ACTIVE = ("queued", "running")


def snapshot(session: Session, run_id: int) -> dict[str, Any]:
    """The run's state and progress as its events carry them."""
    run = runs.get(session, run_id)
    progress = runs.progress(run) or {}
    out: dict[str, Any] = {
        "run": run.id,
        "state": run.state,
        "phase": progress.get("phase", ""),
        "read": progress.get("read", run.records_read or 0),
        "total": progress.get("total", run.records_total),
    }
    if run.state not in ACTIVE:
        out["counts"] = run.counts or {}
        out["issues"] = runs.issue_totals(session, [run.id]).get(run.id, {})
        out["review"] = f"/admin/runs/{run.id}"
    return out


def event(data: dict[str, Any], name: str = "progress") -> bytes:
    """One server-sent event."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@routes.get(r"/runs/{run:\d+}/progress")
async def stream(request: web.Request) -> web.StreamResponse:
    """Stream the run's progress until it settles (then one ``done`` event, and the end)."""
    run_id, admin = int(request.match_info["run"]), who(request)

    def look(session: Session) -> dict[str, Any]:
        reach.require_run(session, admin, runs.get(session, run_id))
        return snapshot(session, run_id)

    now = await in_store(request, look)  # refused (403, 404) before the stream opens
    response = web.StreamResponse(headers={**HEADERS, "Cache-Control": "no-store"})
    response.content_type = "text/event-stream"
    await response.prepare(request)
    sent, said_at = None, time.monotonic()
    try:
        while now["state"] in ACTIVE:
            if now != sent:
                await response.write(event(now))
                sent, said_at = now, time.monotonic()
            elif time.monotonic() - said_at > KEEP_ALIVE_SECONDS:
                await response.write(b": still running\n\n")
                said_at = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)
            now = await in_store(request, lambda s: snapshot(s, run_id))
        await response.write(event(now, "done"))
    except ConnectionResetError:  # the page went away
        return response
    await response.write_eof()
    return response
