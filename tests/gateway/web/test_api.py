"""The admin JSON API over real HTTP on loopback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.sync.run import run
from tests.gateway.web.conftest import Gateway

FEED = "ID;Fornavn;Etternavn;Klasse\n1;Åse;Ødegård;8A\n2;Ola;Dahl;8A\n"


async def test_runs_reports_and_accounts(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "elever.csv"
    path.write_text(FEED, encoding="utf-8")
    feed = Feed(path, "csv", "", {"school": "Nordby skole", "role": "elev"})
    report = run(sessions, Config(database_url=database_url), feed)
    client, auth = gateway.client, gateway.bearer(gateway.site_token)

    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    runs = await (await client.get("/api/runs", headers=auth)).json()
    assert [(r["run"], r["state"]) for r in runs] == [(report.run, "applied")]
    shown = await (await client.get(f"/api/runs/{report.run}", headers=auth)).json()
    assert shown == report.to_json()
    accounts = await (await client.get("/api/accounts", headers=auth)).json()
    assert [(a["username"], a["nodes"]) for a in accounts] == [
        ("AsOd", ["Nordby skole/8A"]),
        ("OlDa", ["Nordby skole/8A"]),
    ]
    missing = await client.get("/api/runs/999", headers=auth)
    assert missing.status == 404
