"""The audit log for site admins: who did what, when and from where, filtered and paged."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.web.admin.page import render, who
from gateway.web.auth import in_store

routes = web.RouteTableDef()
PER_PAGE = 50


def entries(session: Session, request: web.Request) -> dict[str, Any]:
    """A page of the log, by the actor and of the action asked for."""
    scopes.require_site(who(request), "read the audit log")
    actor = request.query.get("actor", "").strip()
    action = request.query.get("action", "").strip()
    text = request.query.get("page", "1")
    page = max(1, int(text)) if text.isdigit() else 1
    total = audit.count(session, actor or None, action or None)
    found = audit.entries(session, PER_PAGE, (page - 1) * PER_PAGE, actor or None, action or None)
    actors, actions = audit.choices(session)
    return {
        "entries": found,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "actor": actor,
        "action": action,
        "actors": actors,
        "actions": actions,
    }


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    """The audit log page."""
    return render(request, "audit.html", await in_store(request, lambda s: entries(s, request)))
