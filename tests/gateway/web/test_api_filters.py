"""The API's listings take the filters and pages `rostergate list` takes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.sync.run import run
from tests.gateway.ops.test_list_filters import FEED
from tests.gateway.web.conftest import Gateway


async def test_the_api_takes_the_same_filters(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    feed = Feed(tmp_path / "feed.csv", "csv", "", {})
    assert run(sessions, Config(database_url=database_url), feed).state == "applied"
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    found = await client.get("/api/accounts?school=S%C3%B8rby+skole&limit=2", headers=auth)
    assert [a["username"] for a in await found.json()] == ["AsBe", "CaEi"]
    paged = await client.get("/api/memberships?offset=3", headers=auth)
    assert [m["username"] for m in await paged.json()] == ["CaEi"]
    bad = await client.get("/api/accounts?limit=x", headers=auth)
    assert (bad.status, await bad.json()) == (
        400,
        {"error": "limit must be a whole number, not 'x'"},
    )
    unknown = await client.get("/api/groups?colour=red", headers=auth)
    assert unknown.status == 400
