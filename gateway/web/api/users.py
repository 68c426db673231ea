"""Users and access through the API: add an account by hand, unlock it, send its access data.

A school admin adds an account only where every place given is in their schools, never
with the top profile, and sees no password: a password an admin gives is stored as its
hash, and one made for the person goes by e-mail.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.auth.scopes import Principal
from gateway.errors import UsageError
from gateway.store import accounts, lookup
from gateway.users import accounts as users
from gateway.users import adding, outbox, passwords
from gateway.web.api.accounts import account_in_reach
from gateway.web.api.base import body, log, reply, write
from gateway.web.keys import config_key
from gateway.web.spec import describe

routes = web.RouteTableDef()
TAG = "accounts"
TEXTS = ("given_name", "family_name", "username", "email", "profile", "password")
DATES = ("birthday", "expires")
FLAGS = ("password_never_expires", "send_access")
ADD_BODY = {
    "type": "object",
    "properties": {
        **{name: {"type": "string"} for name in TEXTS},
        **{name: {"type": "string", "format": "date"} for name in DATES},
        "password_change": {"type": "string", "enum": list(passwords.CHANGE_RULES)},
        **{name: {"type": "boolean"} for name in FLAGS},
        "places": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["given_name", "family_name"],
    "additionalProperties": False,
}


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    """The body's fields checked against their types."""
    unknown = sorted(set(data) - {*TEXTS, *DATES, *FLAGS, "password_change", "places"})
    if unknown:
        raise UsageError(f"unknown field(s): {', '.join(unknown)}")
    for name, value in data.items():
        if name == "places":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError("places must be a list of node paths")
        elif name in FLAGS:
            if not isinstance(value, bool):
                raise UsageError(f"{name} must be true or false")
        elif not isinstance(value, str):
            raise UsageError(f"{name} must be a string")
    return data


def _new(data: dict[str, Any]) -> users.NewAccount:
    """The account the body asks for (a password given is hashed here and now)."""
    given = data.get("password")
    return users.NewAccount(
        given_name=data.get("given_name") or "",
        family_name=data.get("family_name") or "",
        username=data.get("username") or None,
        email=data.get("email") or "",
        profile=data.get("profile") or None,
        places=tuple(data.get("places") or ()),
        birthday=users.parse_date("birthday", data.get("birthday") or ""),
        expires=users.parse_date("expires", data.get("expires") or ""),
        password_hash=passwords.hashed(given) if given else None,
        password_change=data.get("password_change"),
        password_never_expires=data.get("password_never_expires"),
    )


@routes.post("/accounts")
@describe(
    "Add an account by hand (source local); a password given is kept as its hash only",
    TAG,
    body=ADD_BODY,
    status=201,
)
async def add_account(request: web.Request) -> web.Response:
    """`rostergate account add`."""
    data = _typed(await body(request))
    language = request.config_dict[config_key].mail_language

    def work(session: Session, who: Principal) -> dict[str, Any]:
        account = adding.add(session, who, _new(data), bool(data.get("send_access")), language)
        detail = {k: v for k, v in data.items() if k != "password"}
        log(session, request, "account.add", account.username, detail)
        return accounts.show(session, account.username)

    return reply(await write(request, work), status=201)


@routes.post("/accounts/{username}/unlock")
@describe("Clear an account's expiry date and lock", TAG)
async def unlock_account(request: web.Request) -> web.Response:
    """`rostergate account USERNAME --unlock`."""
    username = request.match_info["username"]

    def work(session: Session, who: Principal) -> dict[str, Any]:
        account_in_reach(session, who, username, change=True)
        diff = users.unlock(session, username)
        log(session, request, "account.unlock", username, {k: v[1] for k, v in diff.items()})
        return {"changed": diff, "account": accounts.show(session, username)}

    return reply(await write(request, work))


@routes.post("/accounts/{username}/access")
@describe("E-mail an account its username and a one-time password", TAG, status=202)
async def send_access(request: web.Request) -> web.Response:
    """`rostergate account USERNAME --send-access`."""
    username = request.match_info["username"]
    language = request.config_dict[config_key].mail_language

    def work(session: Session, who: Principal) -> dict[str, Any]:
        account_in_reach(session, who, username, change=True)
        row = outbox.queue(session, lookup.account(session, username), "access", language)
        log(session, request, "account.send_access", username, {"address": row.address})
        return {"queued": row.id, "address": row.address}

    return reply(await write(request, work), status=202)
