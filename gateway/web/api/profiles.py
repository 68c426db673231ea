"""Profiles, the role words they match, and the mapping review: site admins' only."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.store import profiles
from gateway.web.api.base import body, log, pairs, read, reply, text, write
from gateway.web.keys import principal_key
from gateway.web.spec import Param, describe

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
VALUES_BODY = {
    "type": "object",
    "properties": {"feed_assignable": {"type": "boolean"}},
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
@describe("Change a profile's values (feed_assignable)", TAG, body=VALUES_BODY)
async def set_values(request: web.Request) -> web.Response:
    """`rostergate profiles set`."""
    return await _change(
        request, "profile.set", lambda s, p, d: profiles.set_values(s, p, pairs(d))
    )


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
