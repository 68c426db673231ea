"""/api/sources with pull settings: stored encrypted, write-only, kept when not given again."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.store import models as m
from tests.gateway.web.conftest import Gateway

SECRET = "very-secret-client-value"
REST = {
    "name": "sis",
    "format": "oneroster-rest",
    "pull": {
        "url": "https://sis.example.org",
        "client_id": "gw",
        "client_secret": SECRET,
        "version": "1.1",
    },
}


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Fernet key in the environment."""
    monkeypatch.setenv("ROSTERGATE_SECRET_KEY", Fernet.generate_key().decode())


async def test_pull_settings_are_write_only_and_kept(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    created = await client.post("/api/sources", json=REST, headers=auth)
    assert created.status == 201, await created.text()
    texts = [await created.text()]
    assert (await created.json())["pull"] == {
        "kind": "rest",
        "url": "https://sis.example.org",
        "client_id": "gw",
        "version": "1.1",
        "secrets": ["client_secret"],
    }
    changed = await client.patch(
        "/api/sources/sis", json={"pull": {"version": "1.2"}}, headers=auth
    )
    assert changed.status == 200, await changed.text()
    row = await changed.json()
    assert row["pull"]["version"] == "1.2" and row["pull"]["secrets"] == ["client_secret"]
    texts += [await changed.text()]
    texts += [await (await client.get("/api/sources/sis", headers=auth)).text()]
    texts += [await (await client.get("/api/sources", headers=auth)).text()]
    with sessions() as session:
        stored = session.query(m.Source).filter_by(name="sis").one().pull or {}
        texts += [json.dumps(audit.entries(session), default=str)]
    assert stored["client_secret"] and stored["client_id"] == "gw"
    for text in [*texts, json.dumps(stored)]:
        assert SECRET not in text

    unpulled = await client.patch("/api/sources/sis", json={"pull": None}, headers=auth)
    assert (await unpulled.json())["pull"] is None


async def test_bad_pull_settings_are_refused_with_the_reason(gateway: Gateway) -> None:
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    missing = {**REST, "pull": {"url": "https://sis.example.org"}}
    refused = await client.post("/api/sources", json=missing, headers=auth)
    assert refused.status == 400
    assert "a rest pull needs client_id, client_secret" in (await refused.json())["error"]
    bad_url = {"name": "f", "format": "ims", "pull": {"url": "ftp://x"}}
    refused = await client.post("/api/sources", json=bad_url, headers=auth)
    assert refused.status == 400
    assert "url must be an http:// or https:// URL" in (await refused.json())["error"]
    assert (await client.get("/api/sources/f", headers=auth)).status == 404
