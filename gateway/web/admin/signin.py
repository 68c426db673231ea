"""Sign-in and sign-out pages, on the store's browser sessions and their rate limit."""

from __future__ import annotations

from aiohttp import web

from gateway.auth import browser
from gateway.web.admin.page import render
from gateway.web.auth import COOKIE, in_store

routes = web.RouteTableDef()
HOME = "/admin/"


def _next(target: str) -> str:
    """Where to go after signing in: a page of this UI, never another site."""
    return target if target.startswith("/admin/") and not target.startswith("//") else HOME


@routes.get("/sign-in")
async def sign_in_page(request: web.Request) -> web.Response:
    """The sign-in form."""
    context = {"next": _next(request.query.get("next", HOME)), "failed": "", "username": ""}
    return render(request, "sign_in.html", context)


@routes.post("/sign-in")
async def sign_in(request: web.Request) -> web.StreamResponse:
    """Check the password; start a session and go on, or show the form again saying why."""
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    address = request.remote or ""

    outcome = await in_store(request, lambda s: browser.sign_in(s, username, password, address))
    if isinstance(outcome, str):
        context = {"next": _next(str(form.get("next", HOME))), "username": username}
        status = 429 if outcome == "throttled" else 401
        return render(request, "sign_in.html", {**context, "failed": outcome}, status=status)
    response = web.HTTPSeeOther(_next(str(form.get("next", HOME))))
    response.set_cookie(
        COOKIE, outcome[0], httponly=True, samesite="Lax", secure=request.secure, path="/"
    )
    raise response


@routes.post("/sign-out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the session everywhere and go back to the sign-in page."""
    cookie = request.cookies.get(COOKIE, "")
    await in_store(request, lambda s: browser.end(s, cookie))
    response = web.HTTPSeeOther("/admin/sign-in")
    response.del_cookie(COOKIE, path="/")
    raise response
