"""A OneRoster 1.2 rostering provider: aiohttp routes over an injected, read-only roster.

The provider knows the binding (paths, envelopes, paging headers, query
parameters, scopes, ``imsx_StatusInfo`` errors); what a record holds comes from a
``Roster`` the caller supplies (the gateway's serves its store), and who may call
from a ``Tokens`` (OAuth 2 client credentials, ``oneroster.oauth``). Both are
synchronous and run on a worker thread. References come from the roster as
``{"sourcedId", "type"}``; the provider adds their ``href``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from yarl import URL

from oneroster import oauth
from oneroster.endpoints import (
    BASES,
    BY_PATH,
    ENVELOPES,
    FILTERABLE,
    RELATED,
    SELECTABLE,
    Base,
    Related,
    scopes_for,
)
from oneroster.filters import Clause, ProviderError, Query, parse_query

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PATHS = {"org": "orgs", "academicSession": "academicSessions", "course": "courses"}
PATHS |= {"class": "classes", "user": "users"}


class Roster(Protocol):
    """Read access to a roster: one page of an entity's records matching a query, and the total."""

    def read(self, entity: str, query: Query) -> tuple[int, list[dict[str, Any]]]:
        """The number of records matching ``query.where()`` and the page ``query`` asks for."""
        ...


def status_info(status: int, minor: str, description: str) -> web.Response:
    """An error as the 1.2 binding's ``imsx_StatusInfo`` JSON."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    headers = {"WWW-Authenticate": 'Bearer realm="OneRoster"'} if status == 401 else None
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every refusal and failure as ``imsx_StatusInfo``; never a traceback."""
    try:
        return await handler(request)
    except ProviderError as err:
        return status_info(err.status, err.minor, err.description)
    except web.HTTPNotFound:
        return status_info(404, "unknownobject", f"no such endpoint: {request.path}")
    except web.HTTPMethodNotAllowed:
        return status_info(405, "invaliddata", f"{request.method} is not served here")
    except web.HTTPException:
        raise
    except Exception:
        log.exception("the OneRoster provider failed on %s", request.path)
        return status_info(500, "internal_server_error", "internal error (see the server's log)")


class Provider:
    """The routes of one provider, over its roster and tokens."""

    def __init__(self, roster: Roster, tokens: oauth.Tokens) -> None:
        self.roster, self.tokens = roster, tokens

    async def _read(self, entity: str, query: Query) -> tuple[int, list[dict[str, Any]]]:
        """Read from the roster on a worker thread."""
        return await asyncio.to_thread(self.roster.read, entity, query)

    async def _exists(self, path: str, key: str) -> bool:
        """Whether collection ``path`` holds a record ``key``."""
        base = BY_PATH[path]
        total, _ = await self._read(base.entity, _by_key(base, key))
        return total > 0

    async def _authorize(self, request: web.Request, base: Base, related: bool) -> None:
        """Refuse a request without a live token (401) or without a scope for this read (403)."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            raise ProviderError(401, "unauthorisedrequest", "send an OAuth 2 bearer token")
        granted = await asyncio.to_thread(self.tokens.scopes, header[7:].strip())
        if granted is None:
            raise ProviderError(401, "unauthorisedrequest", "the token is unknown or expired")
        if not granted & scopes_for(base, related):
            raise ProviderError(403, "forbidden", "the token's scopes do not cover this read")

    async def collection(
        self, request: web.Request, pattern: str, base: Base, parents: tuple[Clause, ...] = ()
    ) -> web.Response:
        """One page of a collection, with X-Total-Count and Link headers."""
        params = dict(request.query)
        query = parse_query(
            params, frozenset(FILTERABLE[base.entity]), frozenset(SELECTABLE[base.entity])
        )
        fixed = tuple(Clause(f, "=", v) for f, v in base.fixed)
        query = dataclasses.replace(query, extra=fixed + parents)
        total, records = await self._read(base.entity, query)
        root = _root(request, pattern)
        items = [_select(_link(r, root), query.fields) for r in records]
        headers = {"X-Total-Count": str(total), "Link": _links(request.url, query, total)}
        return web.json_response({ENVELOPES[base.entity][0]: items}, headers=headers)

    def routes(self) -> list[web.RouteDef]:
        """Every route of the provider."""
        table = [web.post("/token", self.token)]
        for base in BASES:
            table.append(web.get(f"/{base.path}", self._many(base)))
            table.append(web.get(f"/{base.path}/{{sourcedId}}", self._one(base)))
        table += [web.get(f"/{rel.path}", self._related(rel)) for rel in RELATED]
        return table

    def _many(self, base: Base) -> Handler:
        """The handler of ``/{base}``."""

        async def many(request: web.Request) -> web.StreamResponse:
            await self._authorize(request, base, related=False)
            return await self.collection(request, base.path, base)

        return many

    def _one(self, base: Base) -> Handler:
        """The handler of ``/{base}/{sourcedId}``."""

        async def one(request: web.Request) -> web.StreamResponse:
            await self._authorize(request, base, related=False)
            key = request.match_info["sourcedId"]
            selectable = frozenset(SELECTABLE[base.entity])
            fields = parse_query(
                {"fields": request.query.get("fields", "")}, selectable, selectable
            )
            _, records = await self._read(base.entity, _by_key(base, key))
            if not records:
                raise ProviderError(404, "unknownobject", f"no {base.path} record {key!r}")
            root = _root(request, f"{base.path}/{{sourcedId}}")
            item = _select(_link(records[0], root), fields.fields)
            return web.json_response({ENVELOPES[base.entity][1]: item})

        return one

    def _related(self, rel: Related) -> Handler:
        """The handler of a relationship endpoint: 404 unless every parent exists."""
        base = BY_PATH[rel.collection]

        async def related(request: web.Request) -> web.StreamResponse:
            await self._authorize(request, base, related=True)
            clauses: list[Clause] = []
            for param, parent, relation in rel.parents:
                key = request.match_info[param]
                if not await self._exists(parent, key):
                    raise ProviderError(404, "unknownobject", f"no {parent} record {key!r}")
                if relation:
                    clauses.append(Clause(relation, "=", key))
            return await self.collection(request, rel.path, base, tuple(clauses))

        return related

    async def token(self, request: web.Request) -> web.Response:
        """The OAuth 2 token endpoint (client credentials)."""
        form = await request.post()
        fields = {k: str(v) for k, v in form.items()}
        status, body = await asyncio.to_thread(
            oauth.respond, self.tokens, request.headers.get("Authorization", ""), fields
        )
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="OneRoster"'
        return web.json_response(body, status=status, headers=headers)


def create(roster: Roster, tokens: oauth.Tokens) -> web.Application:
    """The provider as an aiohttp sub-app, to mount at ``/ims/oneroster/rostering/v1p2``."""
    app = web.Application(middlewares=[errors])
    app.add_routes(Provider(roster, tokens).routes())
    return app


def _by_key(base: Base, key: str) -> Query:
    """The query for one record of ``base`` by its sourcedId."""
    extra = (*(Clause(f, "=", v) for f, v in base.fixed), Clause("sourcedId", "=", key))
    return Query(limit=1, extra=extra)


def _root(request: web.Request, pattern: str) -> str:
    """The provider's base URL as the client reached it: the path less the route's own part."""
    return str(request.url.origin()) + request.path.rsplit("/", pattern.count("/") + 1)[0]


def _link(record: dict[str, Any], root: str) -> dict[str, Any]:
    """``record`` with an ``href`` on every reference it holds."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict) and value.keys() == {"sourcedId", "type"}:
            value = _ref(value, root)
        elif isinstance(value, list):
            value = [_link(v, root) if isinstance(v, dict) else v for v in value]
            value = [_ref(v, root) if _is_ref(v) else v for v in value]
        elif isinstance(value, dict):
            value = _link(value, root)
        out[name] = value
    return out


def _is_ref(value: Any) -> bool:
    """Whether ``value`` is a reference without its href yet."""
    return isinstance(value, dict) and value.keys() == {"sourcedId", "type"}


def _ref(value: dict[str, Any], root: str) -> dict[str, Any]:
    """A GUIDRef with its href."""
    href = f"{root}/{PATHS.get(value['type'], value['type'])}/{value['sourcedId']}"
    return {"href": href, **value}


def _select(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Only the fields asked for (all when none were)."""
    return {k: v for k, v in record.items() if k in fields} if fields else record


def _links(url: URL, query: Query, total: int) -> str:
    """The Link header: first, last, and prev and next where they exist."""
    limit, offset = query.limit, query.offset
    last = max(0, (total - 1) // limit * limit)
    pages = {"first": 0, "last": last}
    if offset + limit < total:
        pages["next"] = offset + limit
    if offset > 0:
        pages["prev"] = max(0, offset - limit)
    return ", ".join(
        f'<{url.update_query(limit=str(limit), offset=str(at))}>; rel="{rel}"'
        for rel, at in pages.items()
    )
