"""The admin API's schedules, windows and re-runs of a source (site admins, audited)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.errors import UsageError
from gateway.queue import rerun
from gateway.store import schedules, sources
from gateway.store.schedules import Schedule
from gateway.web.keys import config_key
from gateway.web.sources import NAME, _as_site, _body, _field, _json
from gateway.web.spec import describe

routes = web.RouteTableDef()
TAG = "sources"
DAY = {"type": "string", "format": "date"}
SCHEDULE_BODY = {
    "type": "object",
    "properties": {
        "cron": {"type": "string", "minLength": 1},
        "every": {"type": "string", "minLength": 1},
    },
    "description": "one of cron (a crontab line) or every (2h, 30m, 1d); neither: off",
}
WINDOW_BODY = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": list(schedules.WINDOW_KINDS)},
        "starts": DAY,
        "ends": DAY,
    },
    "required": ["kind", "starts", "ends"],
}
RERUN_BODY = {
    "type": "object",
    "properties": {"school": {"type": "string"}, "dry_run": {"type": "boolean"}},
}


def _schedule(body: dict[str, Any]) -> Schedule | None:
    """The schedule a body asks for; None: off."""
    cron, every = _field(body, "cron", str), _field(body, "every", str)
    if cron and every:
        raise UsageError("give cron or every, not both")
    if cron:
        return Schedule(cron=schedules.parse_cron(cron))
    return Schedule(every=schedules.parse_every(every)) if every else None


@routes.put(NAME + "/schedule")
@describe("Set when the source is pulled: {cron} or {every}; {} stops it", TAG, body=SCHEDULE_BODY)
async def set_schedule(request: web.Request) -> web.Response:
    """Set or clear the source's schedule; the source as the API shows it."""
    body, config = await _body(request), request.config_dict[config_key]

    def work(session: Session, name: str) -> dict[str, Any]:
        source = schedules.set_schedule(session, name, _schedule(body))
        return sources.describe(session, config, source)

    return _json(await _as_site(request, "schedule sources", work, "source.schedule", body))


@routes.get(NAME + "/windows")
@describe("The source's blackout and additions-only windows", TAG)
async def list_windows(request: web.Request) -> web.Response:
    """The source's windows, by first day."""

    def work(session: Session, name: str) -> list[dict[str, Any]]:
        return [schedules.window_dict(w) for w in schedules.windows(session, name)]

    return _json(await _as_site(request, "read sources", work))


@routes.post(NAME + "/windows")
@describe("Add a window: blackout or additions_only, both days included", TAG, body=WINDOW_BODY)
async def add_window(request: web.Request) -> web.Response:
    """Add a window {kind, starts, ends}."""
    body = await _body(request)
    kind = str(_field(body, "kind", str, ""))
    days = f"{_field(body, 'starts', str, '')}..{_field(body, 'ends', str, '')}"

    def work(session: Session, name: str) -> dict[str, Any]:
        return schedules.window_dict(schedules.add_window(session, name, kind, days))

    row = await _as_site(request, "change sources", work, "source.window", body)
    return _json(row, status=201)


@routes.delete(NAME + r"/windows/{window:\d+}")
@describe("Remove one of the source's windows", TAG)
async def remove_window(request: web.Request) -> web.Response:
    """Remove a window by its id."""
    window = int(request.match_info["window"])

    def work(session: Session, name: str) -> dict[str, Any]:
        schedules.remove_window(session, name, window)
        return {"name": name, "removed": window}

    detail = {"removed": window}
    return _json(await _as_site(request, "change sources", work, "source.window", detail))


@routes.post(NAME + "/rerun")
@describe(
    "Queue the source's latest applied feed again (for one school: school)",
    TAG,
    body=RERUN_BODY,
    status=202,
)
async def rerun_feed(request: web.Request) -> web.Response:
    """Queue a re-run of the latest applied feed; the queued run."""
    config = request.config_dict[config_key]
    body = await _body(request) if request.can_read_body else {}
    school = str(_field(body, "school", str, "") or "")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise UsageError(f"dry_run must be true or false, not {dry_run!r}")

    def work(session: Session, name: str) -> dict[str, Any]:
        run = rerun.rerun(session, config, name, origin="rerun", school=school, dry_run=dry_run)
        return {"run": run, "state": "queued"}

    return _json(await _as_site(request, "re-run feeds", work, "source.rerun", body), status=202)
