"""The OpenAPI document of /api: it and the router agree, it is valid, and the app honours it.

Adding a route under /api? Put ``@describe("what it does", "tag", query=..., body=...)`` from
``gateway.web.spec`` beside its route decorator; the document is read off the router, so that
is all. A route without it fails ``test_every_api_route_is_in_the_document_and_no_other``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from gateway.auth import admins
from gateway.config import Config
from gateway.store.db import make_engine, make_sessions
from gateway.web import api, spec
from gateway.web.app import create_app
from tests.gateway.web.conftest import PASSWORD, Gateway
from tests.support import databases

TITLE, VERSION = "rostergate admin API", "1"


def api_app(app: web.Application) -> web.Application:
    """The /api sub-app of the gateway's app."""
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource) and resource.canonical == "/api":
            found: web.Application = resource.get_info()["app"]
            return found
    raise AssertionError("no /api sub-app")


def routes_and_document() -> tuple[set[tuple[str, str]], dict[str, Any]]:
    """Every (method, path) the /api sub-app answers, and its document."""
    api = api_app(create_app(Config()))
    routes = {(r.method, spec.path_of(r)) for r in spec.routes_of(api)}
    return routes, spec.document(api, TITLE, VERSION)


def disagreements(api: web.Application) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The routes missing from the document, and what the document names that is no route."""
    routes = {(r.method, spec.path_of(r)) for r in spec.routes_of(api)}
    document = spec.document(api, TITLE, VERSION)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    return sorted(routes - documented), sorted(documented - routes)


def test_every_api_route_is_in_the_document_and_no_other() -> None:
    missing, extra = disagreements(api_app(create_app(Config())))
    assert not missing, (
        f"routes missing from /api/openapi.json: {missing}; put @describe(...) from "
        "gateway.web.spec beside each one's route decorator"
    )
    assert not extra, f"the document names routes the app does not answer: {extra}"
    routes, _ = routes_and_document()
    assert ("GET", "/api/runs/{run}/issues") in routes and len(routes) >= 25


def test_a_route_without_a_description_is_caught() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({})

    admin_api = web.Application()
    api.add_routes(admin_api)
    admin_api.router.add_post("/sources/{name}/token", handler)
    missing, extra = disagreements(admin_api)
    assert (missing, extra) == ([("POST", "/sources/{name}/token")], [])


def test_the_document_is_valid_openapi_3() -> None:
    validate(routes_and_document()[1])


async def test_the_document_is_served_to_an_admin(gateway: Gateway) -> None:
    response = await gateway.client.get(
        "/api/openapi.json", headers=gateway.bearer(gateway.school_token)
    )
    assert response.status == 200
    assert await response.json() == routes_and_document()[1]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """The app served on loopback from a thread of its own, on a SQLite store; its base URL."""
    url = databases.sqlite_copy(sqlite_template, tmp_path_factory.mktemp("live"))
    engine = make_engine(url)
    with make_sessions(engine).begin() as session:
        admins.add(session, "kari", "site", [], PASSWORD)
        token = admins.issue_token(session, "kari")
    engine.dispose()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(Config(database_url=url)))
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    LIVE["token"] = token
    yield f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=30)
    loop.close()


LIVE: dict[str, str] = {}
schema = schemathesis.openapi.from_dict(routes_and_document()[1])


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_app_answers_as_its_document_says(case: Any, live: str) -> None:
    case.call_and_validate(
        base_url=live,
        headers={"Authorization": f"Bearer {LIVE['token']}"},
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )
