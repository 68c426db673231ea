"""Mapping review: every external role seen, per source, with how many persons carry it and
the profile it maps to, unmapped first; a site admin changes a match in place."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.errors import GatewayError
from gateway.store import models as m
from gateway.store import profiles
from gateway.web.admin.page import render, who
from gateway.web.admin.profiles import explain
from gateway.web.auth import in_store
from mapping.profiles import role_key

routes = web.RouteTableDef()


def _review(session: Session, **extra: Any) -> dict[str, Any]:
    """The roles seen, where each one's match lives (this source's own, or site-wide), and
    the profiles to choose from."""
    scopes_of = {
        (source, key)
        for source, key in session.execute(select(m.RoleMatch.source, m.RoleMatch.role_key))
        if source
    }
    rows = [
        {**row, "own": (row["source"], role_key(row["role"])) in scopes_of}
        for row in profiles.review(session)
    ]
    names = [p["name"] for p in profiles.listing(session)]
    return {"rows": rows, "profiles": names, **extra}


@routes.get("/mapping")
async def review_page(request: web.Request) -> web.Response:
    """The mapping review."""

    def work(session: Session) -> dict[str, Any]:
        scopes.require_site(who(request), "review the site's role mapping")
        return _review(session)

    return render(request, "mapping.html", await in_store(request, work))


@routes.post("/mapping")
async def change(request: web.Request) -> web.Response:
    """Match one role (for its source only, or site-wide) to the profile chosen."""
    form = await request.post()
    role, source = str(form.get("role", "")), str(form.get("source", ""))
    profile, where = str(form.get("profile", "")), str(form.get("where", "site"))
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any]:
        scopes.require_site(admin, "change the site's role mapping")
        only = source if where == "source" else ""
        try:
            with session.begin_nested():
                notes = profiles.match(session, profile, [role], only)
        except GatewayError as err:
            session.expire_all()
            return _review(session, error=explain(request, err))
        detail = {"roles": [role], "source": only}
        audit.record(session, admin.name, "profile.match", profile, detail, address)
        return _review(session, saved=(role, profile, notes))

    context = await in_store(request, work)
    return render(request, "mapping.html", context, status=400 if "error" in context else 200)
