"""Credentials for the admin API: a bearer API token, or a browser session with CSRF.

Every route under /api needs one, except signing in. A request that changes something
with a session cookie must carry the session's CSRF token in ``X-CSRF-Token``; a bearer
token is not sent by browsers on their own, so it needs none.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import admins, audit, browser
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.web.keys import principal_key, sessions_key
from gateway.web.spec import describe

COOKIE = "rostergate_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
OPEN_ROUTES = {("POST", "/api/session")}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

routes = web.RouteTableDef()
TAG = "session"
SIGN_IN = {
    "type": "object",
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    "required": ["username", "password"],
}


async def in_store(request: web.Request, work: Callable[[Session], Any]) -> Any:
    """Run ``work`` in one transaction on a worker thread (the store is synchronous)."""
    sessions = request.config_dict[sessions_key]

    def run() -> Any:
        with sessions.begin() as session:
            return work(session)

    return await asyncio.to_thread(run)


def _refuse(status: type[web.HTTPException], message: str) -> web.HTTPException:
    """An HTTP error with a JSON body saying what to do."""
    return status(text=json.dumps({"error": message}), content_type="application/json")


def _identify(session: Session, request: web.Request) -> tuple[Principal | None, str | None]:
    """Who sent the request, and the CSRF token they must show (None for a bearer token)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return admins.by_token(session, header.removeprefix("Bearer ").strip()), None
    cookie = request.cookies.get(COOKIE)
    found = browser.resolve(session, cookie) if cookie else None
    return found if found else (None, None)


@web.middleware
async def credentials(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a request without a good credential, or a cookie request without its CSRF token."""
    if (request.method, request.path) in OPEN_ROUTES:
        return await handler(request)
    who, csrf = await in_store(request, lambda s: _identify(s, request))
    if who is None:
        raise _refuse(web.HTTPUnauthorized, "sign in, or send an API token as a Bearer token")
    unsafe = csrf is not None and request.method not in SAFE_METHODS
    if unsafe and request.headers.get("X-CSRF-Token") != csrf:
        raise _refuse(web.HTTPForbidden, "missing or wrong X-CSRF-Token")
    request[principal_key] = who
    return await handler(request)


@routes.post("/session")
@describe(
    "Sign in; sets the session cookie and returns the CSRF token", TAG, body=SIGN_IN, public=True
)
async def sign_in(request: web.Request) -> web.Response:
    """Sign in with a username and password; the session cookie is set, the CSRF token returned."""
    try:
        form = (
            await request.json()
            if request.content_type == "application/json"
            else await request.post()
        )
    except ValueError:
        form = None
    if not isinstance(form, Mapping):
        raise UsageError("send a username and a password, as JSON or as a form")
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    address = request.remote or ""

    outcome = await in_store(request, lambda s: browser.sign_in(s, username, password, address))
    if outcome == "throttled":
        raise _refuse(web.HTTPTooManyRequests, "too many failed sign-ins; wait 15 minutes")
    if outcome == "refused":
        raise _refuse(web.HTTPUnauthorized, "wrong username or password")
    cookie, csrf = outcome
    response = web.json_response({"username": username, "csrf_token": csrf})
    response.set_cookie(
        COOKIE, cookie, httponly=True, samesite="Lax", secure=request.secure, path="/"
    )
    return response


@routes.get("/session")
@describe("The signed-in admin and the schools they reach", TAG)
async def who_am_i(request: web.Request) -> web.Response:
    """The signed-in admin and the schools they reach."""
    who = request[principal_key]
    return web.json_response({"username": who.name, "role": who.kind, "schools": who.schools})


@routes.delete("/session")
@describe("Sign out (end the browser session)", TAG)
async def sign_out(request: web.Request) -> web.Response:
    """End the browser session."""
    cookie, who, address = request.cookies.get(COOKIE), request[principal_key].name, request.remote

    def work(session: Session) -> None:
        if cookie:
            browser.end(session, cookie)
        audit.record(session, who, "signout", who, address=address or "")

    await in_store(request, work)
    response = web.json_response({"signed_out": True})
    response.del_cookie(COOKIE, path="/")
    return response
