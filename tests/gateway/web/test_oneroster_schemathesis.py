"""Schemathesis over the OneRoster provider, driven by the official 1.2 rostering OpenAPI.

A bounded number of generated requests per operation (ids, limit, offset, filter, sort,
fields of every shape): the provider never answers 5xx, and every answer validates
against the official document (``tests.support.openapi``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings

from gateway.auth import oauth_clients
from gateway.config import Config
from gateway.feeds import Feed
from gateway.store.db import make_engine, make_sessions
from gateway.sync.run import run
from gateway.web.app import create_app
from oneroster.endpoints import SCOPES
from tests.support import databases, openapi
from tests.support.packages import nordby

LIVE: dict[str, str] = {}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """Nordby skole served on loopback from a thread of its own; the provider's base URL."""
    folder = tmp_path_factory.mktemp("provider")
    url = databases.sqlite_copy(sqlite_template, folder)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    assert run(sessions, Config(), Feed(nordby().write(folder / "pkg"), "oneroster", "sis"))
    with sessions.begin() as session:
        secret = oauth_clients.add(session, "fuzzer", list(SCOPES))
    engine.dispose()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(Config(database_url=url)))
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    root = f"http://127.0.0.1:{runner.addresses[0][1]}"
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    answer = requests.post(
        f"{root}{openapi.BASE}/token",
        data={"grant_type": "client_credentials", "scope": " ".join(SCOPES)},
        auth=("fuzzer", secret),
        timeout=30,
    )
    LIVE["token"] = answer.json()["access_token"]
    yield f"{root}{openapi.BASE}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=30)
    loop.close()


schema = schemathesis.openapi.from_dict(openapi.document())


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_provider_answers_as_the_official_document_says(case: Any, provider: str) -> None:
    response = case.call(base_url=provider, headers={"Authorization": f"Bearer {LIVE['token']}"})
    assert response.status_code < 500, response.text
    path = case.formatted_path
    problems = openapi.errors(f"{openapi.BASE}{path}", response.status_code, response.json())
    assert not problems, (case.as_curl_command(), problems[:5])
