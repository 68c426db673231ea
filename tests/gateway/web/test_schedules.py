"""/api/sources/{name}/schedule, /windows and /rerun over HTTP: site admins only, audited."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.config import Config
from gateway.queue import enqueue, spool
from gateway.store import models as m
from tests.gateway.web.conftest import Gateway
from tests.support.packages import nordby


async def test_a_site_admin_schedules_a_source_and_limits_its_days(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    body = {"name": "sis", "format": "oneroster"}
    assert (await client.post("/api/sources", json=body, headers=auth)).status == 201
    refused = await client.put("/api/sources/sis/schedule", json={"every": "2h"}, headers=auth)
    said = (await refused.json())["error"]
    assert refused.status == 400 and said.startswith("source 'sis' has nothing to pull from: ")
    assert (await client.put("/api/sources/sis/schedule", json={}, headers=auth)).status == 200
    pull = {"pull": {"url": "https://sis.example.org/export.zip"}}
    assert (await client.patch("/api/sources/sis", json=pull, headers=auth)).status == 200

    async def schedule(body: dict[str, str]) -> tuple[int, dict[str, str]]:
        reply = await client.put("/api/sources/sis/schedule", json=body, headers=auth)
        return reply.status, await reply.json()

    status, row = await schedule({"every": "2h"})
    assert (status, row["schedule"], row["failing"], row["stale"]) == (200, "every 2h", None, False)
    assert (await schedule({"cron": "0 5 * * 1-5"}))[1]["schedule"] == "cron 0 5 * * 1-5"
    status, said = await schedule({"cron": "0 5 * *"})
    assert status == 400 and said["error"].startswith("--cron must be a crontab line")
    assert (await schedule({"cron": "0 5 * * *", "every": "1h"}))[0] == 400
    assert (await schedule({}))[1]["schedule"] == "off"

    window = {"kind": "blackout", "starts": "2027-06-20", "ends": "2027-08-10"}
    added = await client.post("/api/sources/sis/windows", json=window, headers=auth)
    assert added.status == 201
    made = await added.json()
    assert {k: made[k] for k in window} == window
    listed = await (await client.get("/api/sources/sis/windows", headers=auth)).json()
    assert listed == [made]
    wrong = {**window, "ends": "2027-06-01"}
    refused = await client.post("/api/sources/sis/windows", json=wrong, headers=auth)
    assert refused.status == 400
    gone = await client.delete(f"/api/sources/sis/windows/{made['id']}", headers=auth)
    assert gone.status == 200
    assert await (await client.get("/api/sources/sis/windows", headers=auth)).json() == []
    missing = await client.delete(f"/api/sources/sis/windows/{made['id']}", headers=auth)
    assert missing.status == 404

    school = gateway.bearer(gateway.school_token)
    for method, path in (
        ("PUT", "/api/sources/sis/schedule"),
        ("GET", "/api/sources/sis/windows"),
        ("POST", "/api/sources/sis/rerun"),
    ):
        reply = await client.request(method, path, json={}, headers=school)
        assert reply.status == 403, (method, path)
    with sessions() as session:
        actions = [e["action"] for e in audit.entries(session)][::-1]
    scheduled = ["source.schedule", "source.set", *["source.schedule"] * 3]
    assert actions == ["source.add", *scheduled, "source.window", "source.window"]


async def test_rerun_over_the_api_queues_the_latest_applied_feed(
    gateway: Gateway, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    copy = spool.spool_file(nordby(2).write(tmp_path / "feed"), spool.directory(Config()))
    with sessions.begin() as session:
        first = enqueue(session, source="sis", fmt="oneroster", spool_path=copy, origin="push")
    for _ in range(200):  # the app's worker applies it
        with sessions() as session:
            if session.get_one(m.ImportRun, first).state == "applied":
                break
        await asyncio.sleep(0.05)

    reply = await client.post("/api/sources/sis/rerun", headers=auth)
    assert reply.status == 202
    queued = await reply.json()
    assert queued["state"] == "queued" and queued["run"] > first
    with sessions() as session:
        again = session.get_one(m.ImportRun, queued["run"])
        original = session.get_one(m.ImportRun, first)
        assert (again.origin, again.format) == ("rerun", "oneroster")
        assert again.spool_path != original.spool_path
        assert Path(again.spool_path or "").name == Path(original.spool_path or "").name
    nowhere = await client.post("/api/sources/sis/rerun", json={"school": "Nowhere"}, headers=auth)
    assert nowhere.status == 400
    with sessions() as session:
        assert (
            session.scalar(select(m.ImportRun.id).order_by(m.ImportRun.id.desc()))
            == (queued["run"])
        )
