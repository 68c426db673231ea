"""Profiles, mapping review and school settings through the admin API."""

from __future__ import annotations

from tests.gateway.web.conftest import Gateway, Schools
from tests.gateway.web.test_api_runs import audit_of, body
from tests.support.packages import User, nordby


async def test_profiles_match_unmatch_and_set_values(gateway: Gateway, schools: Schools) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    listed = await body(await client.get("/api/profiles", headers=kari))
    assert [p["name"] for p in listed][:2] == ["System administrator", "Administrator"]

    matched = await client.post(
        "/api/profiles/Staff/match",
        json={"roles": ["vaktmester"], "source": "nordby"},
        headers=kari,
    )
    staff = next(p for p in (await body(matched))["profiles"] if p["name"] == "Staff")
    assert staff["source_matches"] == {"nordby": ["vaktmester"]}
    top = await client.post(
        "/api/profiles/System administrator/match", json={"roles": ["rektor"]}, headers=kari
    )
    assert top.status == 409 and "top profile" in (await top.json())["error"]
    gone = await client.post(
        "/api/profiles/Staff/unmatch",
        json={"roles": ["vaktmester"], "source": "nordby"},
        headers=kari,
    )
    assert (await body(gone))["notes"] == ["1 match(es) removed"]
    changed = await client.patch(
        "/api/profiles/Guest", json={"feed_assignable": False}, headers=kari
    )
    guest = next(p for p in (await body(changed))["profiles"] if p["name"] == "Guest")
    assert guest["feed_assignable"] is False
    bad = await client.post("/api/profiles/Staff/match", json={"roles": []}, headers=kari)
    assert bad.status == 400
    unknown = await client.patch("/api/profiles/Nobody", json={}, headers=kari)
    assert unknown.status == 404
    assert [a[1:3] for a in audit_of(await body(await client.get("/api/audit", headers=kari)))] == [
        ("profile.match", "Staff"),
        ("profile.unmatch", "Staff"),
        ("profile.set", "Guest"),
    ]


async def test_mapping_review_by_source(gateway: Gateway, schools: Schools) -> None:
    world = nordby(2)
    world.users.append(User("X1", "Per", "Vakt", "vaktmester"))
    schools.run(world, "nordby")
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    review = await body(await client.get("/api/mapping", params={"source": "nordby"}, headers=kari))
    assert review[0] == {
        "source": "nordby",
        "role": "vaktmester",
        "count": 1,
        "last_run": review[0]["last_run"],
        "profile": None,
    }
    assert {r["source"] for r in review} == {"nordby"}
    everyone = await body(await client.get("/api/mapping", headers=kari))
    assert {r["source"] for r in everyone} == {"nordby", "sorby"}


async def test_school_settings_defaults_and_schools_to_come(
    gateway: Gateway, schools: Schools
) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    listed = await body(await client.get("/api/schools", headers=kari))
    assert [(s["name"], s["key"], s["source"]) for s in listed] == [
        ("Nordby skole", "S1", "nordby"),
        ("Sørby skole", "S2", "sorby"),
    ]
    path = "/api/schools/Sørby skole/settings"
    changed = await client.patch(
        path, json={"sync_guardians": False, "guardians_from": "2027-08-01"}, headers=kari
    )
    shown = await body(changed)
    assert shown["school"] == "Sørby skole" and shown["pending"] is False
    assert shown["settings"]["guardians_from"] == "2027-08-01"
    assert (await body(await client.get(path, headers=kari)))["settings"]["sync_guardians"] is False
    bad = await client.patch(path, json={"sync_staff": "maybe"}, headers=kari)
    assert bad.status == 400 and "sync_staff must be true or false" in (await bad.json())["error"]
    unknown = await client.patch(path, json={"no_such": True}, headers=kari)
    assert unknown.status == 400 and "unknown setting" in (await unknown.json())["error"]

    defaults = await client.patch(
        "/api/settings/defaults", json={"sync_guardians": False}, headers=kari
    )
    assert (await body(defaults))["sync_guardians"] is False
    read = await body(await client.get("/api/settings/defaults", headers=kari))
    assert read["sync_guardians"] is False and read["sync_staff"] is True

    coming = await client.patch(
        "/api/schools/Vestby skole/settings", json={"sync_students": False}, headers=kari
    )
    kept = await body(coming)
    assert kept["pending"] is True and kept["settings"]["sync_students"] is False
    assert kept["settings"]["sync_guardians"] is False  # laid over the defaults
    again = await body(await client.get("/api/schools/Vestby skole/settings", headers=kari))
    assert again == kept
    pending = await body(await client.get("/api/settings/pending", headers=kari))
    assert [p["school"] for p in pending] == ["Vestby skole"]
    missing = await client.get("/api/schools/Østby skole/settings", headers=kari)
    assert missing.status == 404
    assert [a[1:3] for a in audit_of(await body(await client.get("/api/audit", headers=kari)))] == [
        ("settings.set", "Sørby skole"),
        ("settings.defaults", "defaults"),
        ("settings.set", "Vestby skole"),
    ]


async def test_a_school_admin_may_not_keep_settings_for_schools_to_come(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    refused = await client.patch(
        "/api/schools/Vestby skole/settings", json={"sync_students": False}, headers=ola
    )
    assert refused.status == 403 and "site admins only" in (await refused.json())["error"]
