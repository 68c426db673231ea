"""The profile matrix: profiles as columns, settings as rows by section; a site admin edits one
profile's values and role words, or copies it into a new profile."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.errors import GatewayError
from gateway.store import models as m
from gateway.store import profile_values, profiles
from gateway.store.profile_values import ValueRefused
from gateway.web.admin import i18n
from gateway.web.admin.page import LOCALE, render, who
from gateway.web.auth import in_store
from mapping.profile_settings import Setting, Value, catalogue

routes = web.RouteTableDef()
Form = MultiDictProxy[Any]


def explain(request: web.Request, err: GatewayError) -> str:
    """An error in the admin's language: a refused value names the setting by its label."""
    if not isinstance(err, ValueRefused):
        return str(err)
    words = i18n.translations(request.get(LOCALE, i18n.DEFAULT))
    params = dict(err.params)
    if "key" in params:
        with suppress(ValueError):  # an unknown key has no label: it stays as written
            params["key"] = words.gettext(catalogue()[str(params["key"])].label)
    return str(words.gettext(err.template)) % params


def _profile(session: Session, request: web.Request, what: str) -> m.Profile:
    """The profile the URL names; site admins only."""
    scopes.require_site(who(request), what)
    profile = session.get(m.Profile, int(request.match_info["profile"]))
    if profile is None:
        raise web.HTTPNotFound()
    return profile


@routes.get("/profiles")
async def matrix_page(request: web.Request) -> web.Response:
    """The matrix as the LMS shows it."""

    def work(session: Session) -> dict[str, Any]:
        scopes.require_site(who(request), "see the site's profiles")
        return {"matrix": profile_values.matrix(session), "ids": _ids(session)}

    return render(request, "profiles.html", await in_store(request, work))


def _ids(session: Session) -> dict[str, int]:
    """Each profile's id by name, for its links."""
    return {name: pid for pid, name in session.execute(select(m.Profile.id, m.Profile.name))}


def _form(session: Session, profile: m.Profile, **extra: Any) -> dict[str, Any]:
    """What the edit form shows for a profile."""
    matrix = profile_values.matrix(session)
    return {
        "profile": profile,
        "sections": [
            (section["section"], [(s, s["values"][profile.name]) for s in section["settings"]])
            for section in matrix["sections"]
        ],
        "fixed": profile_values.FIXED,
        **extra,
    }


@routes.get(r"/profiles/{profile:\d+}")
async def edit_page(request: web.Request) -> web.Response:
    """One profile's values as a form."""

    def work(session: Session) -> dict[str, Any]:
        return _form(session, _profile(session, request, "change the site's profiles"))

    return render(request, "profile.html", await in_store(request, work))


def _word(setting: Setting, form: Form) -> str:
    """A setting's value as the form sent it (an unticked box sends nothing: off)."""
    if setting.kind == "bool":
        return "true" if form.get(setting.key) else "false"
    return str(form.get(setting.key, ""))


def _changes(form: Form, current: dict[str, Value]) -> dict[str, Value]:
    """The values the form changes, checked against the catalogue."""
    editable = [
        s for s in catalogue().settings
        if s.kind != "roles" and s.key not in profile_values.FIXED
    ]  # fmt: skip
    wanted = profile_values.parse_pairs([f"{s.key}={_word(s, form)}" for s in editable])
    return {key: value for key, value in wanted.items() if current[key] != value}


@routes.post(r"/profiles/{profile:\d+}")
async def save(request: web.Request) -> web.Response:
    """Save the values that changed and the role words; refuse the lot on a bad one."""
    form = await request.post()
    roles = [r.strip() for r in str(form.get("match_profile", "")).split(",") if r.strip()]
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any]:
        profile = _profile(session, request, "change the site's profiles")
        try:
            with session.begin_nested():
                changes = _changes(form, profile_values.values(session)[profile.id])
                notes = profiles.change(session, profile.name, changes)
                notes += profiles.replace_matches(session, profile.name, roles)
        except GatewayError as err:
            session.expire_all()
            return _form(session, profile, error=explain(request, err))
        detail = {"values": changes, "matches": roles}
        audit.record(session, admin.name, "profile.set", profile.name, detail, address)
        return _form(session, profile, saved=notes)

    context = await in_store(request, work)
    return render(request, "profile.html", context, status=400 if "error" in context else 200)


@routes.post(r"/profiles/{profile:\d+}/copy")
async def copy(request: web.Request) -> web.Response:
    """A new profile from this one, at its own level; then its form."""
    form = await request.post()
    name, level = str(form.get("name", "")), str(form.get("level", ""))
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any] | int:
        source = _profile(session, request, "add profiles")
        try:
            with session.begin_nested():
                number = profile_values.parse_pairs([f"security_level={level}"])["security_level"]
                made = profiles.add(session, name, source.name, int(number))
        except GatewayError as err:
            session.expire_all()
            return _form(session, source, copy_error=explain(request, err), copy_name=name)
        detail = {"from": source.name, "security_level": made.security_level}
        audit.record(session, admin.name, "profile.add", made.name, detail, address)
        return made.id

    found = await in_store(request, work)
    if isinstance(found, int):
        raise web.HTTPSeeOther(f"/admin/profiles/{found}")
    return render(request, "profile.html", found, status=400)
