"""/healthz and /readyz: what a load balancer and an orchestrator ask."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from gateway.config import Config
from gateway.store import migrate
from gateway.web.app import create_app
from tests.gateway.web.conftest import ClientMaker


async def test_ready_when_the_store_is_current(
    aiohttp_client: ClientMaker, database_url: str
) -> None:
    client = await aiohttp_client(create_app(Config(database_url=database_url)))
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/readyz")
    assert response.status == 200 and await response.json() == {"status": "ok", "sources": {}}


async def test_not_ready_when_migrations_are_missing(
    aiohttp_client: ClientMaker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    client = await aiohttp_client(create_app(Config(database_url=url)))
    response = await client.get("/readyz")
    body: dict[str, Any] = await response.json()
    assert response.status == 503 and "rostergate init" in body["migrations"]


async def test_not_ready_when_the_store_is_unreachable(aiohttp_client: ClientMaker) -> None:
    url = "postgresql://nobody@127.0.0.1:9/nowhere"
    client = await aiohttp_client(create_app(Config(database_url=url)))
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503 and body["store"].startswith("unreachable")
    assert (await client.get("/healthz")).status == 200


def test_an_old_store_lists_the_migrations_it_lacks(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    assert migrate.pending(engine) == []
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    heads = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_heads()
    assert migrate.pending(engine) == sorted(heads) != ["0001"]
    engine.dispose()
