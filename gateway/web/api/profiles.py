"""Profiles, the role words they match, and the mapping review: site admins' only."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.store import profile_values, profiles
from gateway.web.api.base import body, log, read, reply, text, write
from gateway.web.keys import principal_key
from gateway.web.spec import Param, describe
from mapping.profile_settings import Setting, catalogue

routes = web.RouteTableDef()
TAG = "profiles"
ROLES_BODY = {
    "type": "object",
    "properties": {
        "roles": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "source": {"type": "string", "description": "only for this source's feeds"},
    },
    "required": ["roles"],
}
ADD_BODY = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "from": {"type": "string", "description": "the profile it copies"},
        "security_level": {"type": "integer", "minimum": 10, "maximum": 100},
    },
    "required": ["name", "from", "security_level"],
    "additionalProperties": False,
}


def _schema(setting: Setting) -> dict[str, Any]:
    """The JSON schema of one setting's value."""
    if setting.kind == "bool":
        return {"type": "boolean", "description": setting.label}
    if setting.kind == "number":
        bounds = {"minimum": setting.low, "maximum": setting.high}
        return {
            "type": "integer",
            "description": f"{setting.label} ({setting.unit})" if setting.unit else setting.label,
            **{k: v for k, v in bounds.items() if v is not None},
        }
    return {"type": "string", "enum": list(setting.allowed), "description": setting.label}


VALUES_BODY = {
    "type": "object",
    "properties": {
        s.key: _schema(s)
        for s in catalogue().settings
        if s.kind != "roles" and s.key not in profile_values.FIXED
    },
    "additionalProperties": False,
}


@routes.get("/profiles")
@describe("Every profile with its level, hierarchy role and the role words it matches", TAG)
async def list_profiles(request: web.Request) -> web.Response:
    """The profiles, as `rostergate profiles --json` lists them."""

    def work(session: Session, who: Principal) -> list[dict[str, Any]]:
        scopes.require_site(who, "read the site's profiles")
        return profiles.listing(session)

    return reply(await read(request, work))


def _roles(data: dict[str, Any]) -> tuple[list[str], str]:
    """The role words and source of a match or unmatch body."""
    roles, source = data.get("roles"), data.get("source") or ""
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise UsageError("roles must be a list of role words")
    if not isinstance(source, str):
        raise UsageError("source must be a source's name")
    return roles, source


async def _change(request: web.Request, action: str, change: Any) -> web.Response:
    """Change a profile as the CLI does, log it, and answer with every profile and the notes."""
    profile = request.match_info["profile"]
    scopes.require_site(request[principal_key], "change the site's profiles")
    data = await body(request)

    def work(session: Session, who: Principal) -> dict[str, Any]:
        notes = change(session, profile, data)
        log(session, request, action, profile, data)
        return {"notes": notes, "profiles": profiles.listing(session)}

    return reply(await write(request, work))


@routes.post("/profiles/{profile}/match")
@describe("Make a profile match role words (site-wide, or for one source)", TAG, body=ROLES_BODY)
async def match(request: web.Request) -> web.Response:
    """`rostergate profiles match`."""
    return await _change(request, "profile.match", lambda s, p, d: profiles.match(s, p, *_roles(d)))


@routes.post("/profiles/{profile}/unmatch")
@describe("Stop a profile matching role words", TAG, body=ROLES_BODY)
async def unmatch(request: web.Request) -> web.Response:
    """`rostergate profiles unmatch`."""

    def change(session: Session, profile: str, data: dict[str, Any]) -> list[str]:
        return [f"{profiles.unmatch(session, profile, *_roles(data))} match(es) removed"]

    return await _change(request, "profile.unmatch", change)


@routes.patch("/profiles/{profile}")
@describe(
    "Change a profile's settings (the catalogue's keys; a taken security level answers 400)",
    TAG,
    body=VALUES_BODY,
)
async def set_values(request: web.Request) -> web.Response:
    """`rostergate profiles set`."""
    return await _change(
        request,
        "profile.set",
        lambda s, p, d: profiles.change(s, p, profile_values.check_values(d)),
    )


@routes.post("/profiles")
@describe(
    "Add a profile copied from an existing one, at its own level", TAG, body=ADD_BODY, status=201
)
async def add(request: web.Request) -> web.Response:
    """`rostergate profiles add NAME --from PROFILE --level N`."""
    scopes.require_site(request[principal_key], "add profiles")
    data = await body(request)
    name, source, level = data.get("name"), data.get("from"), data.get("security_level")
    if not isinstance(name, str) or not isinstance(source, str):
        raise UsageError("name and from must be profiles' names")
    if isinstance(level, bool) or not isinstance(level, int):
        raise UsageError("security_level must be a whole number from 10 to 100")

    def work(session: Session, who: Principal) -> dict[str, Any]:
        made = profiles.add(session, name, source, level)
        log(session, request, "profile.add", made.name, data)
        return {"notes": [], "profiles": profiles.listing(session)}

    return reply(await write(request, work), status=201)


@routes.get("/profiles/matrix")
@describe("Every setting of every profile: profiles as columns, settings by section", TAG)
async def matrix(request: web.Request) -> web.Response:
    """`rostergate profiles matrix --json`."""

    def work(session: Session, who: Principal) -> dict[str, Any]:
        scopes.require_site(who, "read the site's profiles")
        return profile_values.matrix(session)

    return reply(await read(request, work))


@routes.get("/mapping")
@describe(
    "Every external role seen in runs, with its count and profile; unmapped first",
    TAG,
    query=(Param("source", "only this source's roles"),),
)
async def mapping(request: web.Request) -> web.Response:
    """The mapping review, as `rostergate mapping --json`."""
    source = text(request, "source")

    def work(session: Session, who: Principal) -> list[dict[str, Any]]:
        scopes.require_site(who, "review the site's role mapping")
        return profiles.review(session, source)

    return reply(await read(request, work))
