"""What every admin API handler shares: the store on a worker thread, paging, bodies, audit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth import audit
from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.web.keys import principal_key, sessions_key

T = TypeVar("T")
MAX_LIMIT = 1000
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


async def read(request: web.Request, work: Callable[[Session, Principal], T]) -> T:
    """Run a read on a worker thread (the store is synchronous, the loop is not)."""
    sessions, who = request.config_dict[sessions_key], request[principal_key]

    def run() -> T:
        with sessions() as session:
            return work(session, who)

    return await asyncio.to_thread(run)


async def write(request: web.Request, work: Callable[[Session, Principal], T]) -> T:
    """Run a change in one transaction on a worker thread."""
    sessions, who = request.config_dict[sessions_key], request[principal_key]

    def run() -> T:
        with sessions.begin() as session:
            return work(session, who)

    return await asyncio.to_thread(run)


def log(
    session: Session,
    request: web.Request,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Put an admin's action in the audit log: who, what, on what, from where."""
    who = request[principal_key]
    address = request.remote or ""
    audit.record(session, who.name, action, target, _plain(detail), address)


def _plain(value: Any) -> Any:
    """A value the audit log's JSON column takes (dates as ISO text)."""
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def reply(data: Any, status: int = 200, total: int | None = None) -> web.Response:
    """JSON with dates as ISO text; a page says how many there are in all in X-Total-Count."""
    headers = {"X-Total-Count": str(total)} if total is not None else None
    return web.json_response(data, status=status, dumps=dumps, headers=headers)


def dumps(data: Any) -> str:
    """JSON with dates as strings."""
    return json.dumps(data, ensure_ascii=False, default=_iso)


def _iso(value: Any) -> str:
    """A date or anything else as text."""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def number(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within bounds."""
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{name} must be a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise UsageError(f"{name} must be from {low} to {high}, not {value}")
    return value


def page(request: web.Request) -> tuple[int, int]:
    """The ``limit`` and ``offset`` of a list."""
    limit = number(request, "limit", 50, 1, MAX_LIMIT)
    return limit, number(request, "offset", 0, 0, 2**31 - 1)


def flag(request: web.Request, name: str) -> bool:
    """A true/false query parameter (``1``, ``true``, ``yes`` …); absent is false."""
    text = request.query.get(name, "").strip().lower()
    if text not in TRUE | FALSE:
        raise UsageError(f"{name} must be true or false, not {text!r}")
    return text in TRUE


def text(request: web.Request, name: str) -> str | None:
    """A text query parameter; absent or empty is None."""
    return request.query.get(name) or None


async def body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object."""
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise UsageError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise UsageError("the body must be a JSON object")
    return data


def pairs(values: dict[str, Any]) -> list[str]:
    """A JSON object as the ``KEY=VALUE`` words the CLI takes (true/false, null as empty)."""
    words = {True: "true", False: "false", None: ""}
    out = []
    for key, value in values.items():
        if not isinstance(value, bool | str | None):
            raise UsageError(f"{key} must be true, false, a string or null")
        out.append(f"{key}={words[value] if not isinstance(value, str) else value}")
    return out


def run_id(request: web.Request) -> int:
    """The run the path names."""
    return int(request.match_info["run"])
