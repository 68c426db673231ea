"""Adding an account by hand: the same function the API calls, scoped and audited; a
password made here is shown once on the new account's page (through a cookie that page
clears), never stored."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from yarl import URL

from gateway.auth import audit, scopes
from gateway.errors import GatewayError, UsageError
from gateway.store import models as m
from gateway.store import reach
from gateway.store.queries import node_paths
from gateway.users import accounts as users
from gateway.users import adding, passwords
from gateway.web.admin.accounts import MADE
from gateway.web.admin.page import N_, render, who
from gateway.web.auth import in_store
from gateway.web.keys import config_key

routes = web.RouteTableDef()
TEXTS = ("given_name", "family_name", "username", "email", "profile", "place")
DATES = {
    "birthday": N_("The birthday must be a date (YYYY-MM-DD)."),
    "expires": N_("The expiry date must be a date (YYYY-MM-DD)."),
}
FLAGS = ("password_change", "password_never_expires", "send_access")


def _asked(form: MultiDictProxy[Any] | None = None) -> dict[str, str]:
    """What the form holds, to show again after a refusal ('' for a field not given)."""
    names = (*TEXTS, *DATES, *FLAGS)
    return {name: str(form.get(name, "")) if form else "" for name in names}


def choices(session: Session, request: web.Request) -> dict[str, Any]:
    """The form's profiles (not the top one for a school admin) and places (the admin's)."""
    site = who(request).kind == "site"
    top = session.scalar(select(func.max(m.Profile.security_level)))
    profiles = select(m.Profile.name).order_by(m.Profile.security_level)
    if not site:
        profiles = profiles.where(m.Profile.security_level != top)
    reached = scopes.school_ids(session, who(request))
    above = reach.schools_above(session)
    places = sorted(
        path
        for node, path in node_paths(session).items()
        if reached is None or above.get(node) in reached
    )
    return {
        "profiles": session.scalars(profiles).all(),
        "places": places,
        "rules": passwords.CHANGE_RULES,
    }


def _date(form: MultiDictProxy[Any], name: str) -> date | None:
    """A date field, or a UsageError naming it in words the page translates."""
    try:
        return users.parse_date(name, str(form.get(name, "")))
    except UsageError:
        raise UsageError(DATES[name]) from None


def _new(form: MultiDictProxy[Any], password_hash: str | None) -> users.NewAccount:
    """The account the form asks for."""
    text = {name: str(form.get(name, "")).strip() for name in TEXTS}
    return users.NewAccount(
        given_name=text["given_name"],
        family_name=text["family_name"],
        username=text["username"] or None,
        email=text["email"],
        profile=text["profile"] or None,
        places=(text["place"],) if text["place"] else (),
        birthday=_date(form, "birthday"),
        expires=_date(form, "expires"),
        password_hash=password_hash,
        password_change=str(form.get("password_change", "")) or None,
        password_never_expires=True if form.get("password_never_expires") else None,
    )


def _error(err: GatewayError) -> tuple[str, dict[str, str]]:
    """A refusal as a message for the catalogues and its values."""
    if isinstance(err, users.Taken):
        return N_("The username %(username)s is taken by %(owner)s (case and accents aside)."), {
            "username": err.username,
            "owner": err.owner,
        }
    if isinstance(err, adding.OutOfReach):
        return N_("You may add an account only in your own schools."), {}
    if isinstance(err, users.TopProfile):
        return N_("Only a site admin may give that profile."), {}
    if isinstance(err, UsageError) and str(err) in DATES.values():
        return str(err), {}
    return "%(error)s", {"error": str(err)}


@routes.get("/accounts/add")
async def add_form(request: web.Request) -> web.Response:
    """The form for an account added by hand."""
    context = await in_store(request, lambda s: choices(s, request))
    return render(request, "account_add.html", {**context, "asked": _asked()})


@routes.post("/accounts/add")
async def add(request: web.Request) -> web.StreamResponse:
    """Add the account; on a refusal, the form again with the reason next to it."""
    form = await request.post()
    config = request.config_dict[config_key]
    send = bool(form.get("send_access"))
    made = None if send else passwords.make(config.password_length, config.password_alphabet)
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> str | tuple[str, dict[str, str]]:
        try:
            with session.begin_nested():
                new = _new(form, passwords.hashed(made) if made else None)
                account = adding.add(session, admin, new, send, config.mail_language)
        except GatewayError as err:
            return _error(err)
        detail = {k: v for k, v in form.items() if k != "csrf" and isinstance(v, str)}
        audit.record(session, admin.name, "account.add", account.username, detail, address)
        return account.username

    done = await in_store(request, work)
    if isinstance(done, tuple):
        context = await in_store(request, lambda s: choices(s, request))
        message, values = done
        context |= {"asked": _asked(form), "error": message, "values": values}
        return render(request, "account_add.html", context, status=409)
    page = URL("/admin/accounts") / done
    response = web.HTTPSeeOther(page)
    if made:
        secure = request.secure
        response.set_cookie(
            MADE, quote(made), path=page.raw_path, httponly=True, samesite="Strict", secure=secure
        )
    raise response
