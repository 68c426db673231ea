"""Prometheus metrics: store truths read at scrape time, this process's runs counted."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from gateway import config
from gateway.auth import admins
from gateway.config import Config
from gateway.errors import UsageError
from gateway.feeds import Feed
from gateway.store import models as m
from gateway.sync.run import run
from gateway.web.app import create_app
from gateway.web.metrics import metrics_key
from tests.gateway.web.conftest import ClientMaker, Gateway

FEED = "ID;Fornavn;Etternavn;Klasse\n1;Åse;Ødegård;8A\n2;Ola;Dahl;8A\n"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_after_a_run(
    gateway: Gateway, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "elever.csv"
    path.write_text(FEED, encoding="utf-8")
    feed = Feed(path, "csv", "", {"school": "Nordby skole", "role": "elev"})
    settings = Config(database_url=database_url)
    assert run(sessions, settings, feed).state == "applied"
    assert run(sessions, settings, feed, dry_run=True).state == "previewed"
    with sessions.begin() as session:
        session.add(m.ImportRun(state="queued", format="csv", file="next.csv"))

    response = await gateway.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    got = samples(await response.text())
    assert got[("rostergate_runs", (("source", "csv"), ("state", "applied")))] == 1
    assert got[("rostergate_runs", (("source", "csv"), ("state", "previewed")))] == 1
    assert got[("rostergate_runs", (("source", ""), ("state", "queued")))] == 1
    assert got[("rostergate_queue_depth", ())] == 1
    assert got[("rostergate_store_up", ())] == 1
    applied = (("source", "csv"), ("state", "applied"))
    assert got[("rostergate_run_duration_seconds_count", applied)] == 1
    assert got[("rostergate_run_duration_seconds_sum", applied)] > 0
    # 2 accounts, 2 nodes (the school, 8A), 1 group, 2 memberships in each of the two runs
    assert got[("rostergate_records_processed_total", (("source", "csv"),))] == 14
    assert ("rostergate_push_bytes_total", (("source", "csv"),)) not in got


async def test_push_bytes_count_what_the_push_route_adds(gateway: Gateway) -> None:
    gateway.client.app[metrics_key].push_bytes.labels("visma").inc(1234)
    got = samples(await (await gateway.client.get("/metrics")).text())
    assert got[("rostergate_push_bytes_total", (("source", "visma"),))] == 1234


async def test_outside_the_allow_list_a_site_admin_token_is_needed(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        admins.add(session, "kari", "site", [], "pw-kari-123456")
        admins.add(session, "ola", "school", ["Nordby skole"], "pw-ola-1234567")
        site, school = admins.issue_token(session, "kari"), admins.issue_token(session, "ola")
    allowed = Config(database_url=database_url, metrics_allow=("10.0.0.0/8",))
    client: Any = await aiohttp_client(create_app(allowed))

    stranger = await client.get("/metrics")
    assert stranger.status == 401
    assert "metrics_allow" in (await stranger.json())["error"]
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer rga_nope"})
    assert wrong.status == 401
    school_admin = await client.get("/metrics", headers={"Authorization": f"Bearer {school}"})
    assert school_admin.status == 403
    site_admin = await client.get("/metrics", headers={"Authorization": f"Bearer {site}"})
    assert site_admin.status == 200
    assert ("rostergate_store_up", ()) in samples(await site_admin.text())


def test_a_metrics_allow_list_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "rostergate.toml"
    path.write_text('metrics_allow = ["10.1.0.0/16", "192.168.1.7"]\n', encoding="utf-8")
    assert config.load(path, {}).metrics_allow == ("10.1.0.0/16", "192.168.1.7")
    env = {"ROSTERGATE_METRICS_ALLOW": "10.0.0.0/8, ::1"}
    assert config.load(tmp_path / "none.toml", env).metrics_allow == ("10.0.0.0/8", "::1")
    path.write_text('metrics_allow = ["10.1.0.0/33"]\n', encoding="utf-8")
    with pytest.raises(UsageError, match="metrics_allow must be a list of networks"):
        config.load(path, {})


async def test_a_store_that_does_not_answer_is_reported_not_raised(
    aiohttp_client: ClientMaker,
) -> None:
    nowhere = Config(database_url="postgresql://rostergate@127.0.0.1:1/none")
    client: Any = await aiohttp_client(create_app(nowhere))
    response = await client.get("/metrics")
    assert response.status == 200
    got = samples(await response.text())
    assert got[("rostergate_store_up", ())] == 0
    assert not [name for name, _ in got if name in ("rostergate_runs", "rostergate_queue_depth")]


async def test_stale_and_failing_sources_are_flagged(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        old = datetime.now() - timedelta(hours=30)
        session.add(m.Source(name="fresh", schedule="every 1h", created_at=datetime.now()))
        pulled = m.Source(name="sis", schedule="every 1h", created_at=old)
        session.add(pulled)
        session.flush()
        session.add(
            m.ImportRun(source_id=pulled.id, state="failed", error="HTTP 503", finished_at=old)
        )
    app = create_app(Config(database_url=database_url, stale_after=24))
    got = samples(await (await (await aiohttp_client(app)).get("/metrics")).text())
    assert got[("rostergate_source_stale", (("source", "sis"),))] == 1
    assert got[("rostergate_source_failing", (("source", "sis"),))] == 1
    assert got[("rostergate_source_stale", (("source", "fresh"),))] == 0
    assert got[("rostergate_source_failing", (("source", "fresh"),))] == 0
