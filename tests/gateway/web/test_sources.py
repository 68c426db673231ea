"""/api/sources over real HTTP on loopback: site admins only, every change audited."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.config import Config
from gateway.store import models as m
from gateway.store import sources
from tests.gateway.web.conftest import Gateway

VIGILO = {"name": "vigilo", "format": "ims", "schools": ["Nordby skole"]}


async def test_a_site_admin_manages_sources_and_tokens(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    body = {**VIGILO, "settings": {"mode": "full", "removal_threshold": 0.2}}
    created = await client.post("/api/sources", json=body, headers=auth)
    assert created.status == 201
    row = await created.json()
    assert (row["name"], row["format"], row["schools"], row["token"]) == (
        "vigilo", "ims", ["Nordby skole"], False,
    )  # fmt: skip
    assert row["settings"] == {"mode": "full", "removal_threshold": 0.2}

    changed = await client.patch(
        "/api/sources/vigilo",
        json={"schools": [], "settings": {"removal_threshold": None, "removals": False}},
        headers=auth,
    )
    assert changed.status == 200
    assert (await changed.json())["settings"] == {"mode": "full", "removals": False}
    shown = await (await client.get("/api/sources/vigilo", headers=auth)).json()
    assert shown["schools"] == [] and shown["effective"] == {"mode": "full", "removals": False}
    listed = await (await client.get("/api/sources", headers=auth)).json()
    assert [r["name"] for r in listed] == ["vigilo"]

    first = await client.post("/api/sources/vigilo/token", headers=auth)
    assert first.status == 201
    old = (await first.json())["token"]
    new = (await (await client.post("/api/sources/vigilo/token", headers=auth)).json())["token"]
    with sessions() as session:
        assert sources.authenticate(session, "vigilo", old) is None
        who = sources.authenticate(session, "vigilo", new)
        assert who is not None and who.name == "vigilo"

    removed = await client.delete("/api/sources/vigilo", headers=auth)
    assert await removed.json() == {"name": "vigilo", "outcome": "deleted"}
    assert (await client.get("/api/sources/vigilo", headers=auth)).status == 404
    with sessions() as session:
        log = [(e["actor"], e["action"], e["target"]) for e in audit.entries(session)]
    assert log[::-1] == [
        ("kari", "source.add", "vigilo"),
        ("kari", "source.set", "vigilo"),
        ("kari", "source.token", "vigilo"),
        ("kari", "source.token", "vigilo"),
        ("kari", "source.remove", "vigilo"),
    ]


async def test_bad_requests_are_refused_with_the_reason(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    client, auth = gateway.client, gateway.bearer(gateway.site_token)
    bad = {**VIGILO, "settings": {"removal_threshold": 2}}
    refused = await client.post("/api/sources", json=bad, headers=auth)
    assert refused.status == 400
    assert "removal_threshold must be a number from 0 to 1" in (await refused.json())["error"]
    wrong_type = await client.post("/api/sources", json={**VIGILO, "schools": "x"}, headers=auth)
    assert wrong_type.status == 400
    assert "schools must be a list of strings" in (await wrong_type.json())["error"]
    not_json = await client.post("/api/sources", data=b"{", headers=auth)
    assert not_json.status == 400
    assert (await client.post("/api/sources", json=VIGILO, headers=auth)).status == 201
    assert (await client.post("/api/sources", json=VIGILO, headers=auth)).status == 400
    with sessions.begin() as session:
        source_id = sources.get(session, "vigilo").id
        session.add(m.ImportRun(source_id=source_id, format="ims", state="queued"))
    busy = await client.delete("/api/sources/vigilo", headers=auth)
    assert busy.status == 400 and "queued or running" in (await busy.json())["error"]
    with sessions() as session:
        assert [e["action"] for e in audit.entries(session)] == ["source.add"]


async def test_a_school_admin_is_refused_and_a_stranger_unauthorised(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    client, school = gateway.client, gateway.bearer(gateway.school_token)
    with sessions.begin() as session:
        sources.add(session, "vigilo", "ims", ["Nordby skole"], {})
    calls = [
        ("GET", "/api/sources", None),
        ("POST", "/api/sources", {**VIGILO, "name": "other"}),
        ("GET", "/api/sources/vigilo", None),
        ("PATCH", "/api/sources/vigilo", {"schools": []}),
        ("DELETE", "/api/sources/vigilo", None),
        ("POST", "/api/sources/vigilo/token", None),
    ]
    for method, path, body in calls:
        forbidden = await client.request(method, path, json=body, headers=school)
        assert forbidden.status == 403, (method, path)
        assert "site admins only" in (await forbidden.json())["error"]
        stranger = await client.request(method, path, json=body)
        assert stranger.status == 401, (method, path)
    with sessions() as session:
        row = sources.describe(session, Config(), sources.get(session, "vigilo"))
        assert (row["schools"], row["token"]) == (["Nordby skole"], False)
        assert audit.entries(session) == []


async def test_null_schools_and_settings_mean_none_of_its_own(gateway: Gateway) -> None:
    """Found by schemathesis: a null where an object may stand was a 500."""
    kari = gateway.bearer(gateway.site_token)
    body = {"name": "visma", "format": "ims", "schools": None, "settings": None}
    created = await gateway.client.post("/api/sources", json=body, headers=kari)
    assert created.status == 201, await created.text()
    shown = await created.json()
    assert (shown["name"], shown["schools"]) == ("visma", [])
