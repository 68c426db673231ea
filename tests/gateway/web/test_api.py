"""The admin JSON API over real HTTP on loopback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from gateway.config import Config
from gateway.feeds import Feed
from gateway.local import remove_member
from gateway.store.db import make_engine, make_sessions
from gateway.store.models import Membership
from gateway.sync.run import run
from gateway.web.app import create_app

FEED = "ID;Fornavn;Etternavn;Klasse\n1;Åse;Ødegård;8A\n2;Ola;Dahl;8A\n"


async def test_runs_reports_and_accounts(aiohttp_client, database_url: str, tmp_path: Path) -> None:
    config = Config(database_url=database_url)
    path = tmp_path / "elever.csv"
    path.write_text(FEED, encoding="utf-8")
    engine = make_engine(database_url)
    report = run(
        make_sessions(engine),
        config,
        Feed(path, "csv", "", {"school": "Nordby skole", "role": "elev"}),
    )
    engine.dispose()
    client = await aiohttp_client(create_app(config))

    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    runs = await (await client.get("/api/runs")).json()
    assert [(r["run"], r["state"]) for r in runs] == [(report.run, "applied")]
    shown = await (await client.get(f"/api/runs/{report.run}")).json()
    assert shown == report.to_json()
    accounts = await (await client.get("/api/accounts")).json()
    assert [(a["username"], a["nodes"]) for a in accounts] == [
        ("AsOd", ["Nordby skole/8A"]),
        ("OlDa", ["Nordby skole/8A"]),
    ]
    missing = await client.get("/api/runs/999")
    assert missing.status == 404


async def test_a_previews_changes(aiohttp_client, database_url: str, tmp_path: Path) -> None:
    config = Config(database_url=database_url)
    path = tmp_path / "elever.csv"
    path.write_text(FEED, encoding="utf-8")
    engine = make_engine(database_url)
    feed = Feed(path, "csv", "", {"school": "Nordby skole", "role": "elev"})
    preview = run(make_sessions(engine), config, feed, dry_run=True)
    engine.dispose()
    client = await aiohttp_client(create_app(config))

    planned = await (await client.get(f"/api/runs/{preview.run}/changes")).json()
    accounts = [
        (c["key"], c["action"], c["after"]["username"])
        for c in planned
        if c["entity"] == "accounts"
    ]
    assert accounts == [("1", "create", "AsOd"), ("2", "create", "OlDa")]
    assert {c["entity"] for c in planned} == {"accounts", "nodes", "groups", "memberships"}
    assert all(c["planned"] for c in planned)
    assert (await client.get("/api/runs/999/changes")).status == 404


async def test_removed_memberships_are_not_listed(
    aiohttp_client, database_url: str, tmp_path: Path
) -> None:
    config = Config(database_url=database_url)
    path = tmp_path / "elever.csv"
    path.write_text(FEED, encoding="utf-8")
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    run(sessions, config, Feed(path, "csv", "", {"school": "Nordby skole", "role": "elev"}))
    with sessions.begin() as session:
        assert remove_member(session, "8A", "AsOd", None) == 1  # the row stays, marked removed
        rows = session.scalar(select(func.count()).select_from(Membership))
    engine.dispose()
    client = await aiohttp_client(create_app(config))

    assert rows == 2
    members = await (await client.get("/api/memberships")).json()
    assert [(m["username"], m["group_name"]) for m in members] == [("OlDa", "8A")]
    groups = await (await client.get("/api/groups")).json()
    assert [(g["name"], g["members"]) for g in groups] == [("8A", 1)]
