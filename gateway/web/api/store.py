"""What the store holds across schools (nodes, groups, memberships), the audit log, and the
OpenAPI document: the site admins' (the document is every admin's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.store import models as m
from gateway.store import queries
from gateway.web import spec
from gateway.web.api.base import page, read, reply, text
from gateway.web.spec import PAGE, Param, describe

routes = web.RouteTableDef()
TAG = "store"


FILTERS = (
    Param("school", "at or below this school (key, path or name)"),
    Param("profile", "accounts of this profile"),
    Param("status", "in this status"),
    Param("source", "of this source"),
    Param("search", "part of a name, username, e-mail or key"),
    *PAGE,
)


def filters(request: web.Request) -> queries.Filters:
    """A listing's filters and page from the query string, as `rostergate list` takes them."""
    known = [param.name for param in FILTERS]
    unknown = sorted(set(request.query) - set(known))
    if unknown:
        raise UsageError(f"unknown parameter {unknown[0]}; known: {', '.join(known)}")
    limit, offset = page(request)
    values = {name: text(request, name) or "" for name in ("school", "profile", "status")}
    values |= {name: text(request, name) or "" for name in ("source", "search")}
    return queries.Filters(**values, limit=limit, offset=offset)


def _listing(query: Callable[[Session, queries.Filters], list[dict[str, Any]]]) -> Any:
    """A handler answering a `rostergate list` query (with its filters) to site admins."""

    async def handler(request: web.Request) -> web.Response:
        wanted = filters(request)

        def work(session: Session, who: Principal) -> list[dict[str, Any]]:
            scopes.require_site(who, "read across all schools")
            return query(session, wanted)

        return reply(await read(request, work))

    handler.__name__ = f"list_{query.__name__}"
    return handler


for what, summary in (
    ("nodes", "Every hierarchy node with its path"),
    ("groups", "Every group with its school and member count"),
    ("memberships", "Every membership: who, in which group, as what, and how it got there"),
):
    listing = _listing(getattr(queries, what))
    routes.get(f"/{what}")(describe(summary, TAG, query=FILTERS)(listing))


@routes.get("/audit")
@describe("The audit log, newest first: who did what, when and from where", "audit", query=PAGE)
async def audit_log(request: web.Request) -> web.Response:
    """A page of the audit log."""
    limit, offset = page(request)

    def work(session: Session, who: Principal) -> tuple[list[dict[str, Any]], int]:
        scopes.require_site(who, "read the audit log")
        total = session.scalar(select(func.count(m.AuditEntry.id))) or 0
        return audit.entries(session, limit, offset), total

    rows, total = await read(request, work)
    return reply(rows, total=total)


@routes.get("/openapi.json")
@describe("This API's OpenAPI 3 document", "meta")
async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document of every /api route, read off the router."""
    return reply(spec.document(request.app, "rostergate admin API", "1"))
