"""School settings: one school's sync switches as a form, for the schools an admin reaches."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.local import set_settings, settings_of
from gateway.store import models as m
from gateway.store import presets
from gateway.store.queries import node_paths
from gateway.web.admin import reach
from gateway.web.admin.page import render, who
from gateway.web.auth import in_store
from mapping.settings import SETTING_KEYS, SettingError

routes = web.RouteTableDef()
SWITCHES = tuple(key for key in SETTING_KEYS if key != "guardians_from")


def coming(session: Session) -> list[str]:
    """The schools to come that settings are kept for, as the admin wrote them."""
    named: dict[int, str] = {}
    for name, (preset_id, _) in presets.load(session).pending.items():
        named.setdefault(preset_id, name)
    return sorted(named.values())


def _school(session: Session, request: web.Request, what: str) -> m.Node:
    """The school the URL names, if the admin reaches it."""
    node = session.get(m.Node, int(request.match_info["school"]))
    if node is None or node.kind != "school":
        raise web.HTTPNotFound()
    scopes.require(session, who(request), node.id, what)
    return node


@routes.get("/schools")
async def school_list(request: web.Request) -> web.Response:
    """The schools the admin reaches."""
    admin = who(request)

    def work(session: Session) -> dict[str, Any]:
        paths = node_paths(session)
        found = [(n.id, paths[n.id]) for n in reach.schools(session, admin)]
        return {"schools": found, "coming": coming(session) if admin.kind == "site" else []}

    return render(request, "schools.html", await in_store(request, work))


def _form(session: Session, node: m.Node, **extra: Any) -> dict[str, Any]:
    """What the settings form shows for a school."""
    return {
        "school": node,
        "path": node_paths(session)[node.id],
        "settings": settings_of(session, node.id).as_dict(),
        "switches": SWITCHES,
        "action": f"/admin/schools/{node.id}",
        **extra,
    }


def form_pairs(form: MultiDictProxy[Any]) -> list[str]:
    """The settings form as KEY=VALUE words: each switch on or off, the date or none."""
    pairs = [f"{key}={'true' if form.get(key) else 'false'}" for key in SWITCHES]
    day = form.get("guardians_from")
    pairs.append(f"guardians_from={day if isinstance(day, str) and day else 'none'}")
    return pairs


@routes.get(r"/schools/{school:\d+}")
async def settings_page(request: web.Request) -> web.Response:
    """One school's settings form."""

    def work(session: Session) -> dict[str, Any]:
        return _form(session, _school(session, request, "see this school's settings"))

    return render(request, "school.html", await in_store(request, work))


@routes.post(r"/schools/{school:\d+}")
async def save_settings(request: web.Request) -> web.Response:
    """Save the form: each switch on or off, the guardians-from date or none."""
    pairs = form_pairs(await request.post())
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any]:
        node = _school(session, request, "change this school's settings")
        try:
            with session.begin_nested():
                set_settings(session, node.sync_key, pairs)
        except SettingError as err:
            return _form(session, node, error=str(err))
        detail = {"settings": pairs}
        audit.record(session, admin.name, "settings.set", node.name, detail, address)
        return _form(session, node, saved=True)

    context = await in_store(request, work)
    return render(request, "school.html", context, status=400 if "error" in context else 200)
