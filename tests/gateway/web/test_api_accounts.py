"""Accounts, local edits and manual members through the admin API; CSRF on a cookie session."""

from __future__ import annotations

from typing import Any

from tests.gateway.web.conftest import PASSWORD, Gateway, Schools
from tests.gateway.web.test_api_runs import audit_of, body


async def test_accounts_are_found_filtered_and_paged(gateway: Gateway, schools: Schools) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)

    async def found(**params: str) -> tuple[list[str], str]:
        response = await client.get("/api/accounts", params=params, headers=kari)
        return [a["username"] for a in await body(response)], response.headers["X-Total-Count"]

    assert (await found())[1] == "16"
    assert await found(q="siri") == (["SiSt"], "1")
    assert await found(q="ST1") == (["SiSt"], "1")  # the sync key
    assert await found(q="p3@nordby") == (["KaLi"], "1")  # the e-mail
    assert await found(school="Sørby skole") == (["LaHa", "MiFj", "SiSt"], "3")
    assert await found(school="S2", profile="staff") == (["SiSt"], "1")
    assert await found(source="sorby", limit="2", offset="1") == (["MiFj", "SiSt"], "3")
    assert await found(status="expired") == ([], "0")
    assert (
        await client.get("/api/accounts", params={"school": "Nowhere"}, headers=kari)
    ).status == 404


async def test_one_account_in_full(gateway: Gateway, schools: Schools) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    account = await body(await client.get("/api/accounts/sist", headers=kari))
    assert account["username"] == "SiSt" and account["profile"] == "Staff"
    assert account["schools"] == ["Sørby skole"] and account["nodes"] == ["Sørby skole/9B"]
    assert account["memberships"] == [
        {"group": "9B", "group_name": "9B", "role": "teacher", "origin": "sync"}
    ]
    assert (await client.get("/api/accounts/nobody", headers=kari)).status == 404


async def test_a_local_edit_sticks_and_a_forced_email_is_refused_with_409(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    edited = await client.patch("/api/accounts/AsOd", json={"email": "ase@nordby.no"}, headers=ola)
    shown = await body(edited)
    assert shown["changed"] == {"email": ["p1@nordby.no", "ase@nordby.no"]}
    assert shown["account"]["local_fields"] == ["email"]

    forced = await client.patch(
        "/api/schools/Nordby skole/settings", json={"force_email_students": True}, headers=ola
    )
    assert forced.status == 200
    refused = await client.patch("/api/accounts/OlDa", json={"email": "ola@x.no"}, headers=ola)
    assert refused.status == 409
    assert "forces the register's e-mail for students" in (await refused.json())["error"]
    still = await body(await client.get("/api/accounts/OlDa", headers=ola))
    assert still["email"] == "p2@nordby.no"
    bad = await client.patch("/api/accounts/OlDa", json={"username": "x"}, headers=ola)
    assert bad.status == 400
    log = await body(await client.get("/api/audit", headers=gateway.bearer(gateway.site_token)))
    assert audit_of(log) == [
        ("ola", "account.edit", "AsOd", "127.0.0.1"),
        ("ola", "settings.set", "Nordby skole", "127.0.0.1"),
    ]


async def test_a_local_edit_is_undone_over_the_api_by_an_admin_of_its_schools(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    await client.patch("/api/accounts/AsOd", json={"email": "ase@nordby.no"}, headers=ola)
    undone = await client.post("/api/accounts/AsOd/undo", json={"field": "email"}, headers=ola)
    shown = await body(undone)
    assert (shown["field"], shown["before"], shown["after"]) == (
        "email",
        "ase@nordby.no",
        "p1@nordby.no",
    )
    assert shown["account"]["email"] == "p1@nordby.no" and shown["account"]["local_fields"] == []
    again = await client.post("/api/accounts/AsOd/undo", json={"field": "email"}, headers=ola)
    assert again.status == 400
    assert (await again.json())["error"] == "AsOd's email has no local edit to undo"
    nothing = await client.post("/api/accounts/AsOd/undo", json={}, headers=ola)
    assert nothing.status == 400
    kari = gateway.bearer(gateway.site_token)
    await client.patch("/api/accounts/LaHa", json={"given_name": "Lasse"}, headers=kari)
    other = await client.post("/api/accounts/LaHa/undo", json={"field": "given_name"}, headers=ola)
    assert other.status == 403
    assert (await body(await client.get("/api/accounts/LaHa", headers=kari)))["given_name"] == (
        "Lasse"
    )
    log = await body(await client.get("/api/audit", headers=kari))
    assert audit_of(log) == [
        ("ola", "account.edit", "AsOd", "127.0.0.1"),
        ("ola", "account.undo", "AsOd", "127.0.0.1"),
        ("kari", "account.edit", "LaHa", "127.0.0.1"),
    ]


async def test_manual_members_follow_the_schools_setting_and_the_force_rule(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    members = "/api/groups/8A/members"
    off = await client.post(members, json={"username": "T1x"}, headers=ola)
    assert off.status == 404  # no such account
    off = await client.post(members, json={"username": "MaHa", "role": "student"}, headers=ola)
    assert off.status == 409 and "allow_manual_members is off" in (await off.json())["error"]
    await client.patch(
        "/api/schools/Nordby skole/settings", json={"allow_manual_members": True}, headers=ola
    )
    added = await client.post(members, json={"username": "MaHa", "role": "student"}, headers=ola)
    assert await body(added, 201) == {
        "group": "8A",
        "username": "MaHa",
        "role": "student",
        "origin": "manual",
    }
    listed = await body(await client.get(members, headers=ola))
    assert [(m["username"], m["role"], m["origin"]) for m in listed][:3] == [
        ("AsOd", "student", "sync"),
        ("EmSa", "student", "sync"),
        ("FiLu", "student", "sync"),
    ]
    assert ("MaHa", "student", "manual") in [
        (m["username"], m["role"], m["origin"]) for m in listed
    ]
    synced = await client.delete(f"{members}/AsOd", headers=ola)
    assert synced.status == 409 and "--force" in (await synced.json())["error"]
    forced = await client.delete(f"{members}/AsOd", params={"force": "1"}, headers=ola)
    assert (await body(forced))["removed"] == 1
    manual = await client.delete(f"{members}/MaHa", params={"role": "student"}, headers=ola)
    assert (await body(manual))["removed"] == 1
    log = await body(await client.get("/api/audit", headers=gateway.bearer(gateway.site_token)))
    assert [(e[1], e[2]) for e in audit_of(log)] == [
        ("settings.set", "Nordby skole"),
        ("member.add", "MaHa@8A"),
        ("member.remove", "AsOd@8A"),
        ("member.remove", "MaHa@8A"),
    ]


async def signed_in(gateway: Gateway, username: str) -> str:
    """Sign in with a password (the client keeps the cookie); the CSRF token."""
    signed = await gateway.client.post(
        "/api/session", json={"username": username, "password": PASSWORD}
    )
    token: str = (await body(signed))["csrf_token"]
    return token


async def test_a_cookie_session_changes_nothing_without_its_csrf_token(
    gateway: Gateway, schools: Schools
) -> None:
    client = gateway.client
    csrf = await signed_in(gateway, "kari")
    changes: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", "/api/accounts/AsOd", {"email": "x@y.no"}),
        ("PATCH", "/api/settings/defaults", {"sync_staff": False}),
        ("POST", f"/api/runs/{schools.nordby_run}/revert", {}),
    ]
    for method, path, data in changes:
        refused = await client.request(method, path, json=data)
        assert refused.status == 403, path
        assert "X-CSRF-Token" in (await refused.json())["error"]
    assert (await client.get("/api/accounts/AsOd")).status == 200  # reading needs no token
    done = await client.request(
        "PATCH", "/api/accounts/AsOd", json={"email": "x@y.no"}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status == 200
    signed_out = await client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    assert signed_out.status == 200
    log = await body(await client.get("/api/audit", headers=gateway.bearer(gateway.site_token)))
    assert [(e[0], e[1]) for e in audit_of(log)] == [
        ("kari", "signin"),
        ("kari", "account.edit"),
        ("kari", "signout"),
    ]
