"""The admin JSON API under /api: one module per resource, each a RouteTableDef.

Every handler is a few lines: parse, decide through ``gateway.auth.scopes``, call the
function the CLI calls, log what it changed to the audit log, answer JSON. Each carries
``@describe(...)`` for the OpenAPI document (``gateway.web.spec``).
"""

from __future__ import annotations

from aiohttp import web

from gateway.web.api import accounts, profiles, runs, settings, store, uploads, users

TABLES: tuple[web.RouteTableDef, ...] = (
    runs.routes,
    profiles.routes,
    settings.routes,
    accounts.routes,
    store.routes,
    uploads.routes,
    users.routes,
)


def add_routes(app: web.Application) -> None:
    """Add every admin API route to the /api sub-app."""
    for table in TABLES:
        app.add_routes(table)
