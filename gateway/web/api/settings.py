"""Schools and their sync settings; the site defaults and settings kept for schools to come.

A school admin reads and changes their own schools' settings. The defaults, and settings
kept for a school the store does not hold yet, are the site admins'.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import NotFound
from gateway.local import preset_settings, set_preset, set_settings, settings_of
from gateway.store import lookup, presets
from gateway.web.api.base import body, log, pairs, read, reply, write
from gateway.web.keys import principal_key
from gateway.web.spec import describe
from mapping.settings import SETTING_KEYS

routes = web.RouteTableDef()
TAG = "settings"
SETTINGS_BODY = {
    "type": "object",
    "properties": {
        key: {"type": "string", "format": "date", "nullable": True}
        if key == "guardians_from"
        else {"type": "boolean"}
        for key in SETTING_KEYS
    },
    "additionalProperties": False,
}


@routes.get("/schools")
@describe("The schools the caller reaches, with their sync settings", TAG)
async def list_schools(request: web.Request) -> web.Response:
    """Every school in reach: key, source, name, path and settings."""

    def work(session: Session, who: Principal) -> list[dict[str, Any]]:
        mine = scopes.school_ids(session, who)
        found = sorted(lookup.schools(session).schools, key=lambda s: s.path)
        return [
            {
                "key": s.key,
                "source": s.source,
                "name": s.name,
                "path": s.path,
                "settings": settings_of(session, s.id).as_dict(),
            }
            for s in found
            if mine is None or s.id in mine
        ]

    return reply(await read(request, work))


def _shown(school: str, pending: bool, values: dict[str, Any]) -> dict[str, Any]:
    """A school's settings as the API answers them."""
    return {"school": school, "pending": pending, "settings": values}


def _school_settings(session: Session, who: Principal, school: str, changes: list[str]) -> Any:
    """A stored school's settings (changed when asked), else those kept for it to come."""
    try:
        node = lookup.school(session, school)
    except NotFound:
        scopes.require_site(who, f"keep settings for {school!r}, a school not in the store yet")
        if changes:
            return _shown(school, True, set_preset(session, school, changes).as_dict())
        kept = preset_settings(session, school)
        if kept is None:
            raise
        return _shown(school, True, kept.as_dict())
    verb = "change" if changes else "see"
    scopes.require(session, who, node.id, f"{verb} {node.name}'s settings")
    values = set_settings(session, school, changes) if changes else settings_of(session, node.id)
    return _shown(node.name, False, values.as_dict())


@routes.get("/schools/{school}/settings")
@describe("A school's sync settings (or those kept for a school to come)", TAG)
async def school_settings(request: web.Request) -> web.Response:
    """`rostergate settings SCHOOL`."""
    school = request.match_info["school"]
    return reply(await read(request, lambda s, who: _school_settings(s, who, school, [])))


@routes.patch("/schools/{school}/settings")
@describe(
    "Change a school's sync settings; for a school not in the store yet, keep them until it "
    "arrives (site admins)",
    TAG,
    body=SETTINGS_BODY,
)
async def change_school_settings(request: web.Request) -> web.Response:
    """`rostergate settings SCHOOL --set KEY=VALUE …`."""
    school, data = request.match_info["school"], await body(request)

    def work(session: Session, who: Principal) -> Any:
        shown = _school_settings(session, who, school, pairs(data))
        log(session, request, "settings.set", school, data)
        return shown

    return reply(await write(request, work))


@routes.get("/settings/defaults")
@describe("The settings every new school starts with", TAG)
async def defaults(request: web.Request) -> web.Response:
    """`rostergate settings --defaults`."""

    def work(session: Session, who: Principal) -> dict[str, Any]:
        scopes.require_site(who, "read the site defaults")
        kept = preset_settings(session, "")
        assert kept is not None  # the defaults always answer
        return kept.as_dict()

    return reply(await read(request, work))


@routes.patch("/settings/defaults")
@describe("Change the settings every new school starts with", TAG, body=SETTINGS_BODY)
async def change_defaults(request: web.Request) -> web.Response:
    """`rostergate settings --defaults --set KEY=VALUE …`."""
    scopes.require_site(request[principal_key], "change the site defaults")
    data = await body(request)

    def work(session: Session, who: Principal) -> dict[str, Any]:
        values = set_preset(session, "", pairs(data)).as_dict()
        log(session, request, "settings.defaults", "defaults", data)
        return values

    return reply(await write(request, work))


@routes.get("/settings/pending")
@describe("Settings kept for schools the store does not hold yet", TAG)
async def pending(request: web.Request) -> web.Response:
    """Every school to come and the settings it will start with."""

    def work(session: Session, who: Principal) -> list[dict[str, Any]]:
        scopes.require_site(who, "read settings kept for schools to come")
        kept = presets.load(session)
        named: dict[int, str] = {}
        for name, (preset_id, _) in kept.pending.items():
            named.setdefault(preset_id, name)  # as the admin wrote it, before its folded twin
        return [
            _shown(name, True, kept.for_school(name, name).as_dict())
            for name in sorted(named.values())
        ]

    return reply(await read(request, work))
