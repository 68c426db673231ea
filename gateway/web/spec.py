"""The OpenAPI 3 document of /api, built from descriptions kept on the handlers themselves.

A handler says what it is with ``@describe(...)`` right beside its route; the document is
then read off the router, so a route and its description cannot drift apart, and a route
without one fails ``tests/gateway/web/test_openapi.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

F = TypeVar("F", bound=Callable[..., Any])
# Statuses every /api route may answer besides its success, and what each means.
ERRORS = {
    "400": "the request cannot be taken (a bad parameter or body)",
    "401": "no credential, or a wrong one",
    "403": "the credential may not do this (another school's, or site admins only)",
    "404": "what the path names does not exist",
    "409": "refused as things are (a rule, or the store changed)",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}


@dataclass(frozen=True)
class Param:
    """A query parameter: its name, JSON type and what it does."""

    name: str
    help: str
    type: str = "string"
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def schema(self) -> dict[str, Any]:
        """The parameter's JSON schema."""
        out: dict[str, Any] = {"type": self.type}
        if self.enum:
            out["enum"] = list(self.enum)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


# The paging parameters every list takes.
PAGE = (
    Param("limit", "how many to return (default 50)", "integer", minimum=1, maximum=1000),
    Param("offset", "how many to skip (default 0)", "integer", minimum=0, maximum=2**31 - 1),
)


@dataclass(frozen=True)
class Operation:
    """What one route does, for the OpenAPI document."""

    summary: str
    tag: str
    query: tuple[Param, ...] = ()
    body: dict[str, Any] | None = None
    status: int = 200
    public: bool = False  # answers without a credential (signing in)


DESCRIBED: dict[Callable[..., Any], Operation] = {}


def describe(
    summary: str,
    tag: str,
    *,
    query: Iterable[Param] = (),
    body: dict[str, Any] | None = None,
    status: int = 200,
    public: bool = False,
) -> Callable[[F], F]:
    """Describe a handler for the OpenAPI document (put it beside the route decorator)."""

    def mark(handler: F) -> F:
        DESCRIBED[handler] = Operation(summary, tag, tuple(query), body, status, public)
        return handler

    return mark


def _path_params(pattern: str) -> list[dict[str, Any]]:
    """The path parameters of a route's pattern; a ``\\d+`` one is an integer."""
    found = re.findall(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", pattern)
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1} if regex == r"\d+" else {"type": "string"},
        }
        for name, regex in found
    ]


def _operation(route: web.AbstractRoute, op: Operation) -> dict[str, Any]:
    """One route's OpenAPI operation object."""
    info = route.resource.get_info() if route.resource else {}
    pattern = info.get("pattern")
    params = _path_params(pattern.pattern) if pattern is not None else []
    params += [
        {"name": p.name, "in": "query", "description": p.help, "schema": p.schema()}
        for p in op.query
    ]
    errors = {**ERRORS, "429": "too many failed sign-ins; wait"} if op.public else ERRORS
    responses: dict[str, Any] = {str(op.status): {"description": "done", "content": _json({})}}
    for code, text in errors.items():
        responses[code] = {"description": text, "content": _json(ERROR_SCHEMA)}
    out: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": f"{op.tag}_{getattr(route.handler, '__name__', 'handler')}",
        "responses": responses,
        "security": [] if op.public else [{"token": []}, {"session": []}],
    }
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": _json(op.body)}
    return out


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON media type with this schema."""
    return {"application/json": {"schema": schema}}


def routes_of(app: web.Application) -> list[web.AbstractRoute]:
    """Every route of an app but the HEADs aiohttp adds to each GET."""
    return [r for r in app.router.routes() if r.method != "HEAD" and r.resource is not None]


def path_of(route: web.AbstractRoute) -> str:
    """A route's path as OpenAPI writes it: ``/api/runs/{run}``."""
    assert route.resource is not None
    return re.sub(r"\{(\w+)[^}]*\}", r"{\1}", route.resource.canonical)


def document(app: web.Application, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3 document of every described route of ``app``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes_of(app):
        op = DESCRIBED.get(route.handler)
        if op is not None:
            paths.setdefault(path_of(route), {})[route.method.lower()] = _operation(route, op)
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "rostergate_session"},
            }
        },
    }
