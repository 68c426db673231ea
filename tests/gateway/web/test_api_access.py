"""Access e-mails from `serve`: the mailer runs with the app, and /metrics counts the outbox."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.users import accounts as users
from gateway.users import outbox
from gateway.web.app import create_app
from tests.gateway.users.smtp import smtp_server
from tests.gateway.web.conftest import ClientMaker, Gateway, Schools
from tests.gateway.web.test_api_runs import body
from tests.gateway.web.test_metrics import samples
from tests.support import packages

SECRET = "Feed-Passord-2026"


async def test_serve_sends_queued_access_emails_and_counts_them(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        account = users.add(session, users.NewAccount("Vera", "Vikar", email="vera@x.no"))
        outbox.queue(session, account, "access", "en")
    with smtp_server() as inbox:
        config = Config(database_url=database_url, smtp_host="127.0.0.1", smtp_port=inbox.port)
        client = await aiohttp_client(create_app(config))
        for _ in range(100):
            if inbox.messages:
                break
            await asyncio.sleep(0.05)
        assert "Username: VeVi" in inbox.text("vera@x.no")
        got = samples(await (await client.get("/metrics")).text())
        assert got[("rostergate_access_emails", (("state", "sent"),))] == 1
        assert got[("rostergate_access_emails", (("state", "failed"),))] == 0


async def test_a_feeds_password_is_not_in_the_apis_output(
    gateway: Gateway, schools: Schools
) -> None:
    world = packages.nordby(10)
    world.users.append(packages.User("P99", "Nina", "Ny", password=SECRET))
    report = schools.run(world, "nordby")
    assert report.state == "applied"
    kari = gateway.bearer(gateway.site_token)
    for path in ("/api/accounts/NiNy", "/api/accounts", f"/api/runs/{report.run}"):
        response = await gateway.client.get(path, headers=kari)
        assert response.status == 200 and SECRET not in await response.text()
    shown = await body(await gateway.client.get("/api/accounts/NiNy", headers=kari))
    assert shown["password"]["set"] is True
