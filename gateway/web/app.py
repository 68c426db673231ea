"""The app factory: one function builds the whole web app from a Config."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.config import Config
from gateway.store.db import make_engine, make_sessions
from gateway.web import api, auth
from gateway.web.keys import config_key, sessions_key


async def _store(app: web.Application) -> AsyncIterator[None]:
    """Open the store when the app starts and close it when it stops."""
    engine = make_engine(app[config_key].database_url)
    app[sessions_key] = make_sessions(engine)
    yield
    engine.dispose()


async def health(request: web.Request) -> web.Response:
    """Liveness check."""
    return web.json_response({"status": "ok"})


def create_app(config: Config) -> web.Application:
    """Build the gateway's web app."""
    app = web.Application()
    app[config_key] = config
    app.cleanup_ctx.append(_store)
    app.router.add_get("/healthz", health)
    admin_api = web.Application(middlewares=[auth.credentials])
    admin_api.add_routes(auth.routes)
    admin_api.add_routes(api.routes)
    app.add_subapp("/api", admin_api)
    return app
