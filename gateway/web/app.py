"""The app factory: one function builds the whole web app from a Config."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

import scheduler.service as scheduler
from gateway.auth.oauth_clients import StoreTokens
from gateway.config import Config
from gateway.errors import Forbidden, GatewayError, NotFound, Unauthorized, UsageError
from gateway.queue import worker
from gateway.queue.spool import TooLarge
from gateway.store import migrate, owners
from gateway.store import sources as stored_sources
from gateway.store.db import make_engine, make_sessions
from gateway.store.oneroster_roster import StoreRoster
from gateway.users.mail import Mailer
from gateway.web import admin, api, auth, metrics, push, schedules, sources
from gateway.web.keys import config_key, engine_key, sessions_key, workers_key
from mapping.settings import SettingError
from oneroster import provider

ONEROSTER = "/ims/oneroster/rostering/v1p2"

log = logging.getLogger(__name__)

# The gateway's errors as HTTP statuses; any other GatewayError is a 409 (refused as things are).
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (UsageError, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (TooLarge, 413),
    (SettingError, 400),
)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as a JSON ``{"error": ...}`` with its status; never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as err:
        if err.status < 400 or err.content_type == "application/json":
            raise
        # aiohttp's own refusals (no such route, a method it does not take) in JSON too
        reply = web.json_response({"error": err.reason.lower()}, status=err.status)
        reply.headers.extend((k, v) for k, v in err.headers.items() if k == "Allow")
        return reply
    except (GatewayError, SettingError) as err:
        status = next((code for kind, code in STATUSES if isinstance(err, kind)), 409)
        return web.json_response({"error": str(err)}, status=status)
    except IntegrityError as err:
        log.exception("the store refused a change on %s", request.path)
        said = str(err.orig).splitlines()[0] if err.orig else type(err).__name__
        return web.json_response({"error": f"the store refused the change ({said})"}, status=409)
    except DBAPIError:
        log.exception("the store failed on %s", request.path)
        return web.json_response({"error": "the store is unavailable; try again"}, status=503)
    except Exception:
        log.exception("unexpected error on %s", request.path)
        return web.json_response({"error": "internal error (see the server's log)"}, status=500)


async def _store(app: web.Application) -> AsyncIterator[None]:
    """Open the store when the app starts and close it when it stops."""
    config = app[config_key]
    engine = make_engine(config.database_url, config.busy_timeout)
    app[engine_key] = engine
    app[sessions_key] = make_sessions(engine)
    yield
    engine.dispose()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    """Run the queue's workers while the app runs (one on SQLite: it has a single writer)."""
    config, engine = app[config_key], app[engine_key]
    count = min(config.workers, 1) if engine.dialect.name == "sqlite" else config.workers
    workers = worker.Workers(app[sessions_key], config, count)
    app[workers_key] = workers
    workers.start()
    yield
    await workers.stop()


async def _mailer(app: web.Application) -> AsyncIterator[None]:
    """Send the outbox's access e-mails while the app runs."""
    mailer = Mailer(app[sessions_key], app[config_key])
    mailer.start()
    yield
    await mailer.stop()


async def health(request: web.Request) -> web.Response:
    """Liveness check: the process answers."""
    return web.json_response({"status": "ok"})


def _readiness(engine: Engine, in_hand: Mapping[int, int], timeout: float) -> dict[str, str]:
    """What stands between this process and serving: the store, its migrations, and the
    runs this process's workers hold (each must beat within ``timeout``)."""
    stalled = ""
    try:
        missing = migrate.pending(engine)
        if not missing and in_hand:
            with make_sessions(engine)() as session:
                stalled = worker.stalled(session, in_hand, timeout)
    except SQLAlchemyError as err:
        return {"store": f"unreachable ({type(err).__name__}): check database_url"}
    if missing:
        return {"migrations": f"the store lacks {', '.join(missing)}: run `rostergate init`"}
    return {"workers": stalled} if stalled else {}


def _sources(app: web.Application) -> dict[str, str]:
    """The scheduled sources whose pulls fail, and why."""
    with app[sessions_key]() as session:
        return stored_sources.failing(session, app[config_key], owners.now())


async def ready(request: web.Request) -> web.Response:
    """Readiness check: 200 when the store is reachable and current and this process's
    workers are at work, else 503 saying why.

    Failing pulls are reported under ``sources`` but leave the status 200: this process can
    serve (pushes, the API, other sources' runs), and a load balancer that took it out
    would take every replica out alike for one register's outage.
    """
    app = request.app
    workers = app.get(workers_key)
    trouble = workers.trouble() if workers else "the queue's workers are not running"
    in_hand = workers.in_hand() if workers and not trouble else {}
    timeout = workers.config.heartbeat_timeout if workers else 0.0
    problems = await asyncio.to_thread(_readiness, app[engine_key], in_hand, timeout)
    if trouble:
        problems.setdefault("workers", trouble)
    if problems:
        return web.json_response({"status": "not ready", **problems}, status=503)
    failing = await asyncio.to_thread(_sources, app)
    return web.json_response({"status": "ok", "sources": failing})


def create_app(config: Config) -> web.Application:
    """Build the gateway's web app."""
    app = web.Application(middlewares=[errors])
    app[config_key] = config
    app.cleanup_ctx.append(_store)
    app.cleanup_ctx.append(_workers)
    app.cleanup_ctx.append(_mailer)
    app.cleanup_ctx.append(scheduler.run)
    app.router.add_get("/healthz", health)
    app.router.add_get("/readyz", ready)
    metrics.create(app)
    admin_api = web.Application(middlewares=[auth.credentials])
    admin_api.add_routes(auth.routes)
    api.add_routes(admin_api)
    admin_api.add_routes(sources.routes)
    admin_api.add_routes(schedules.routes)
    app.add_subapp("/api", admin_api)
    app.add_subapp("/admin", admin.create())
    app.add_subapp("/push", push.create())
    sessions = lambda: app[sessions_key]  # noqa: E731 - opened when the app starts
    app.add_subapp(ONEROSTER, provider.create(StoreRoster(sessions), StoreTokens(sessions)))
    return app
