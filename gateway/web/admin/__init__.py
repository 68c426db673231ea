"""The admin web UI at /admin: server-rendered pages on the same functions as the CLI and API."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway.web.admin import (
    account_forms,
    accounts,
    audit_log,
    dashboard,
    mapping,
    page,
    profiles,
    progress,
    runs,
    school_sets,
    schools,
    signin,
    wizard,
)

HERE = Path(__file__).parent


def create() -> web.Application:
    """The admin UI as a sub-app: its own templates, static files and sign-in guard."""
    app = web.Application(middlewares=[page.guard])
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        page.gettext, page.ngettext, newstyle=True
    )
    env.filters["when"] = page.when
    env.filters["number"] = page.number
    for module in (
        signin,
        dashboard,
        runs,
        school_sets,
        schools,
        profiles,
        mapping,
        progress,
        wizard,
        account_forms,  # before accounts: /accounts/add is not an account's page
        accounts,
        audit_log,
    ):
        app.add_routes(module.routes)
    app.router.add_static("/static", HERE / "static", name="static")
    return app
