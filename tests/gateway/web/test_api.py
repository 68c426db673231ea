"""The admin JSON API over real HTTP on loopback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.local import remove_member
from gateway.store.models import Membership
from gateway.sync.run import run
from tests.gateway.web.conftest import Gateway

FEED = "ID;Fornavn;Etternavn;Klasse\n1;Åse;Ødegård;8A\n2;Ola;Dahl;8A\n"


def _feed(tmp_path: Path) -> Feed:
    """Two pupils of 8A at Nordby skole, in the gateway's CSV."""
    path = tmp_path / "elever.csv"
    path.write_text(FEED, encoding="utf-8")
    return Feed(path, "csv", "", {"school": "Nordby skole", "role": "elev"})


async def test_runs_reports_and_accounts(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    report = run(sessions, Config(database_url=database_url), _feed(tmp_path))
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


async def test_a_previews_changes(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    preview = run(sessions, Config(database_url=database_url), _feed(tmp_path), dry_run=True)
    client, auth = gateway.client, gateway.bearer(gateway.site_token)

    planned = await (await client.get(f"/api/runs/{preview.run}/changes", headers=auth)).json()
    accounts = [
        (c["key"], c["action"], c["after"]["username"])
        for c in planned
        if c["entity"] == "accounts"
    ]
    assert accounts == [("1", "create", "AsOd"), ("2", "create", "OlDa")]
    assert {c["entity"] for c in planned} == {"accounts", "nodes", "groups", "memberships"}
    assert all(c["planned"] for c in planned)
    assert (await client.get("/api/runs/999/changes", headers=auth)).status == 404


async def test_removed_memberships_are_not_listed(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    run(sessions, Config(database_url=database_url), _feed(tmp_path))
    with sessions.begin() as session:
        # the row stays, marked removed (a sync membership takes force)
        assert remove_member(session, "8A", "AsOd", None, force=True) == 1
        rows = session.scalar(select(func.count()).select_from(Membership))
    client, auth = gateway.client, gateway.bearer(gateway.site_token)

    assert rows == 2
    members = await (await client.get("/api/memberships", headers=auth)).json()
    assert [(m["username"], m["group_name"]) for m in members] == [("OlDa", "8A")]
    groups = await (await client.get("/api/groups", headers=auth)).json()
    assert [(g["name"], g["members"]) for g in groups] == [("8A", 1)]
