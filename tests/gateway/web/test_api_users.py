"""Users and access through the API: accounts by hand, profiles, expiry, access e-mails."""

from __future__ import annotations

from tests.gateway.web.conftest import Gateway, Schools
from tests.gateway.web.test_api_runs import audit_of, body

SECRET = "Hemmelig-Passord-77"


async def test_an_account_added_by_hand_in_the_admins_school(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    new = {
        "given_name": "Vera",
        "family_name": "Vikar",
        "email": "vera@nordby.no",
        "profile": "Staff",
        "places": ["nordby:8A"],
        "birthday": "1990-02-03",
        "password": SECRET,
        "password_change": "may_change",
    }
    response = await client.post("/api/accounts", json=new, headers=ola)
    added = await body(response, 201)
    assert (added["username"], added["source"], added["nodes"]) == (
        "VeVi",
        "local",
        ["Nordby skole/8A"],
    )
    assert added["password"]["set"] and added["password"]["change"] == "may_change"
    assert SECRET not in await response.text()
    elsewhere = await client.post(
        "/api/accounts", json={**new, "places": ["Sørby skole"]}, headers=ola
    )
    assert elsewhere.status == 403
    nowhere = await client.post("/api/accounts", json={**new, "places": []}, headers=ola)
    assert nowhere.status == 403
    top = await client.post(
        "/api/accounts", json={**new, "profile": "System administrator"}, headers=ola
    )
    assert top.status == 403 and "only a site admin" in (await top.json())["error"]
    audit = await body(await client.get("/api/audit", headers=gateway.bearer(gateway.site_token)))
    assert ("ola", "account.add", "VeVi", "127.0.0.1") in audit_of(audit)
    assert SECRET not in str(audit)


async def test_profile_and_expiry_through_the_api(gateway: Gateway, schools: Schools) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    kari = gateway.bearer(gateway.site_token)
    top = await client.patch(
        "/api/accounts/AsOd", json={"profile": "System administrator"}, headers=ola
    )
    assert top.status == 403
    staff = await body(
        await client.patch("/api/accounts/AsOd", json={"profile": "Staff"}, headers=ola)
    )
    assert staff["changed"] == {"profile": ["Student", "Staff"]}
    assert staff["account"]["local_fields"] == ["profile"]
    locked = await body(
        await client.patch("/api/accounts/AsOd", json={"expires": "2020-01-01"}, headers=ola)
    )
    assert (locked["account"]["status"], locked["account"]["expires"]) == ("locked", "2020-01-01")
    unlocked = await body(await client.post("/api/accounts/AsOd/unlock", headers=kari))
    assert (unlocked["account"]["status"], unlocked["account"]["expires"]) == ("active", None)
    bad = await client.patch("/api/accounts/AsOd", json={"expires": "soon"}, headers=ola)
    assert bad.status == 400
