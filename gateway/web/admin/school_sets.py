"""Settings beyond one school: the defaults new schools start with, settings kept for a school
that has not arrived yet (site admins), and one change applied to several schools at once."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.orm import Session

from gateway.auth import audit, scopes
from gateway.errors import GatewayError
from gateway.local import preset_settings, set_preset, set_settings
from gateway.store import models as m
from gateway.store.queries import node_paths
from gateway.web.admin import i18n, reach
from gateway.web.admin.page import LOCALE, render, who
from gateway.web.admin.schools import SWITCHES, form_pairs
from gateway.web.auth import in_store
from mapping.profile_settings import N_
from mapping.settings import SettingError

routes = web.RouteTableDef()
NO_NAME = N_("Name the school to come by its key or name.")
NOTHING = N_("Choose at least one school and at least one change.")


def _preset(session: Session, school: str, **extra: Any) -> dict[str, Any]:
    """The settings form for the defaults (``school`` empty) or for a school to come."""
    kept = preset_settings(session, school) or preset_settings(session, "")
    assert kept is not None  # the defaults always answer
    return {
        "settings": kept.as_dict(),
        "switches": SWITCHES,
        "action": "/admin/schools/defaults"
        if not school
        else f"/admin/schools/coming?{_query(school)}",
        "pending": school,
        **extra,
    }


def _query(school: str) -> str:
    """The query naming a school to come."""
    return urlencode({"school": school})


def _coming(request: web.Request) -> str:
    """The school to come that the query names (empty: the site defaults)."""
    return " ".join(request.query.get("school", "").split())


@routes.get("/schools/defaults")
@routes.get("/schools/coming")
async def preset_page(request: web.Request) -> web.Response:
    """The defaults' form, or a school to come's."""
    school = _coming(request) if request.path.endswith("/coming") else ""

    def work(session: Session) -> dict[str, Any]:
        scopes.require_site(who(request), "change settings for schools not in the store yet")
        return _preset(session, school)

    return render(request, "school.html", await in_store(request, work))


@routes.post("/schools/defaults")
@routes.post("/schools/coming")
async def save_preset(request: web.Request) -> web.Response:
    """Keep the form's settings for new schools, or for one school to come."""
    school = _coming(request) if request.path.endswith("/coming") else ""
    pairs = form_pairs(await request.post())
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any]:
        scopes.require_site(admin, "change settings for schools not in the store yet")
        if request.path.endswith("/coming") and not school:
            return _preset(session, "", error=_say(request, NO_NAME))
        try:
            with session.begin_nested():
                set_preset(session, school, pairs)
        except SettingError as err:
            return _preset(session, school, error=str(err))
        action = "settings.coming" if school else "settings.defaults"
        audit.record(
            session, admin.name, action, school or "defaults", {"settings": pairs}, address
        )
        return _preset(session, school, saved=True)

    context = await in_store(request, work)
    return render(request, "school.html", context, status=400 if "error" in context else 200)


def _say(request: web.Request, text: str) -> str:
    """A text in the admin's language."""
    return str(i18n.translations(request.get(LOCALE, i18n.DEFAULT)).gettext(text))


def _several(session: Session, request: web.Request, **extra: Any) -> dict[str, Any]:
    """The form that applies one change to several schools."""
    paths = node_paths(session)
    schools = [(n.id, paths[n.id]) for n in reach.schools(session, who(request))]
    return {"schools": schools, "switches": SWITCHES, **extra}


def _changes(form: MultiDictProxy[Any]) -> list[str]:
    """The settings the form changes: each switch left alone, on or off; the date if given."""
    pairs = [f"{key}={form[key]}" for key in SWITCHES if form.get(key) in ("true", "false")]
    if form.get("guardians_from_clear"):
        pairs.append("guardians_from=none")
    elif form.get("guardians_from"):
        pairs.append(f"guardians_from={form['guardians_from']}")
    return pairs


@routes.get("/schools/several")
async def several_page(request: web.Request) -> web.Response:
    """Choose the schools and the change."""
    context = await in_store(request, lambda s: _several(s, request))
    return render(request, "schools_several.html", context)


@routes.post("/schools/several")
async def apply_several(request: web.Request) -> web.Response:
    """Apply the change to every school chosen, or to none when one is out of reach or wrong."""
    form = await request.post()
    pairs, chosen = (
        _changes(form),
        [int(str(v)) for v in form.getall("school", []) if str(v).isdigit()],
    )
    admin, address = who(request), request.remote or ""

    def work(session: Session) -> dict[str, Any]:
        if not pairs or not chosen:
            return _several(session, request, error=_say(request, NOTHING))
        nodes = [session.get(m.Node, school) for school in chosen]
        if any(node is None or node.kind != "school" for node in nodes):
            raise web.HTTPNotFound()
        scopes.require_all(session, admin, chosen, "change these schools' settings")
        try:
            with session.begin_nested():
                for node in nodes:
                    assert node is not None
                    set_settings(session, node.sync_key, pairs)
                    detail = {"settings": pairs}
                    audit.record(session, admin.name, "settings.set", node.name, detail, address)
        except (SettingError, GatewayError) as err:
            return _several(session, request, error=str(err))
        return _several(session, request, saved=[n.name for n in nodes if n], applied=pairs)

    context = await in_store(request, work)
    status = 400 if "error" in context else 200
    return render(request, "schools_several.html", context, status=status)
