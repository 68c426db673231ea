"""The admin API's sources: list, create, read, change, delete, and push tokens (site admins)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.errors import UsageError
from gateway.pull.settings import KEYS, REST, changed, checked
from gateway.store import pulls, sources
from gateway.store.pulls import SECRETS
from gateway.web.auth import in_store
from gateway.web.keys import config_key, principal_key
from gateway.web.spec import describe

routes = web.RouteTableDef()
ALL_PULL_KEYS = sorted({key for keys in KEYS.values() for key in keys})
NAME = r"/sources/{name:[^/]+}"
TAG = "sources"
SCHOOLS = {"type": "array", "items": {"type": "string"}}
# How a source is pulled; secrets are write-only (the source shows only which are set).
PULL = {
    "type": "object",
    "nullable": True,
    "properties": {key: {"type": "string", "nullable": True} for key in ALL_PULL_KEYS},
    "additionalProperties": False,
}
CREATE_BODY = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "format": {"type": "string", "enum": list(sources.FORMATS)},
        "schools": SCHOOLS,
        "settings": {"type": "object"},
        "pull": PULL,
    },
    "required": ["name", "format"],
}
CHANGE_BODY = {
    "type": "object",
    "properties": {
        "format": {"type": "string", "enum": list(sources.FORMATS)},
        "schools": SCHOOLS,
        "settings": {"type": "object"},
        "pull": PULL,
    },
}


def _json(data: Any, status: int = 200) -> web.Response:
    """A JSON response, dates as strings."""
    return web.json_response(
        data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str)
    )


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"the body must be a JSON object: {err}") from None
    if not isinstance(body, dict):
        raise UsageError("the body must be a JSON object")
    return body


KINDS: dict[type, str] = {str: "a string", list: "a list of strings", dict: "an object"}


def _field(body: dict[str, Any], key: str, kind: type, default: Any = None) -> Any:
    """A field of the body, checked for its JSON type (a list holds strings)."""
    value = body.get(key, default)
    wrong = value is not None and not isinstance(value, kind)
    if wrong or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        raise UsageError(f"{key} must be {KINDS[kind]}, not {value!r}")
    return value


def _audited(body: dict[str, Any]) -> dict[str, Any]:
    """A body as the audit log keeps it: pull secrets named, never their values."""
    pull = body.get("pull")
    if not isinstance(pull, dict):
        return body
    return {**body, "pull": {k: "(set)" if k in SECRETS else v for k, v in pull.items()}}


async def _as_site(
    request: web.Request,
    what: str,
    work: Callable[[Session, str], Any],
    action: str = "",
    detail: dict[str, Any] | None = None,
) -> Any:
    """Run ``work`` for a site admin in one transaction, auditing ``action`` when given."""
    who = request[principal_key]
    scopes.require_site(who, what)
    name = request.match_info.get("name", "")

    def run(session: Session) -> Any:
        result = work(session, name)
        if action:
            target = name or str(result["name"])
            audit.record(session, who.name, action, target, detail, request.remote or "")
        return result

    return await in_store(request, run)


@routes.get("/sources")
@describe("Every source: its format, schools and own settings", TAG)
async def list_sources(request: web.Request) -> web.Response:
    """Every source with its schools and settings."""
    config = request.config_dict[config_key]
    rows = await _as_site(request, "list sources", lambda s, _: sources.listing(s, config))
    return _json(rows)


@routes.post("/sources")
@describe("Add a source (site admins)", TAG, body=CREATE_BODY, status=201)
async def create_source(request: web.Request) -> web.Response:
    """Add a source: {name, format, schools?, settings?}."""
    body, config = await _body(request), request.config_dict[config_key]

    def work(session: Session, _: str) -> dict[str, Any]:
        source, _revived = sources.add(
            session,
            str(_field(body, "name", str, "")),
            str(_field(body, "format", str, "")),
            _field(body, "schools", list, []) or [],
            _field(body, "settings", dict, {}) or {},  # null: none of its own
        )
        pull = _field(body, "pull", dict)
        if pull is not None or source.format == REST:
            pulls.configure(session, source.name, checked(config, source.format or "", pull or {}))
        return sources.describe(session, config, source)

    row = await _as_site(request, "add sources", work, "source.add", _audited(body))
    return _json(row, status=201)


@routes.get(NAME)
@describe("One source and its effective settings", TAG)
async def show_source(request: web.Request) -> web.Response:
    """One source and its effective settings."""
    config = request.config_dict[config_key]
    row = await _as_site(
        request, "read sources", lambda s, n: sources.describe(s, config, sources.get(s, n))
    )
    return _json(row)


@routes.patch(NAME)
@describe(
    "Change a source's format, schools or settings (null: back to the config)",
    TAG,
    body=CHANGE_BODY,
)
async def change_source(request: web.Request) -> web.Response:
    """Change {format?, schools?, settings?}; a setting set to null falls back to the config."""
    body, config = await _body(request), request.config_dict[config_key]

    def work(session: Session, name: str) -> dict[str, Any]:
        source = sources.change(
            session,
            name,
            fmt=_field(body, "format", str),
            schools=_field(body, "schools", list),
            settings=_field(body, "settings", dict),
        )
        pull = _field(body, "pull", dict)
        if pull is not None:
            pulls.configure(session, name, changed(config, source.format or "", source.pull, pull))
        elif "pull" in body:  # null: no longer pulled
            pulls.configure(session, name, None)
        return sources.describe(session, config, source)

    return _json(await _as_site(request, "change sources", work, "source.set", _audited(body)))


@routes.delete(NAME)
@describe("Remove a source that owns nothing, or retire one that does", TAG)
async def remove_source(request: web.Request) -> web.Response:
    """Delete a source that owns nothing, else retire it; refused while runs wait."""

    def work(session: Session, name: str) -> dict[str, Any]:
        return {"name": name, "outcome": sources.remove(session, name)}

    return _json(await _as_site(request, "remove sources", work, "source.remove"))


@routes.post(NAME + "/token")
@describe("A new push token for the source, shown once", TAG, status=201)
async def new_token(request: web.Request) -> web.Response:
    """A new push token, shown once; the source's earlier token stops working."""

    def work(session: Session, name: str) -> dict[str, Any]:
        return {"name": name, "token": sources.issue_token(session, name)}

    return _json(await _as_site(request, "issue push tokens", work, "source.token"), status=201)
