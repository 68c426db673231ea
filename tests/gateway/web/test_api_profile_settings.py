"""The profile matrix through the admin API: typed values stored exactly, exact refusals,
profiles copied, site admins only, and accounts' profile settings only when asked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m
from tests.gateway.web.conftest import Gateway, Schools
from tests.gateway.web.test_api_runs import audit_of, body


def stored(sessions: sessionmaker[Session], profile: str) -> dict[str, object]:
    """The values a profile holds in the store."""
    with sessions() as session:
        query = select(m.ProfileValue.key, m.ProfileValue.value).join(m.Profile)
        return {k: v for k, v in session.execute(query.where(m.Profile.name == profile))}


async def test_values_are_changed_and_refused_exactly(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    changed = await client.patch(
        "/api/profiles/Student",
        json={"auto_logout_min": 45, "private_files": False, "create_projects": "school"},
        headers=kari,
    )
    assert (await body(changed))["notes"] == [
        "Student: auto_logout_min 80 -> 45",
        "Student: private_files True -> False",
        "Student: create_projects site -> school",
    ]
    assert stored(sessions, "Student") == {
        "auto_logout_min": 45,
        "private_files": False,
        "create_projects": "school",
    }
    for values, message in (
        ({"security_level": 12}, "security level 12 is already Guardian's: each profile needs "
         "its own"),
        ({"auto_logout_min": 500}, "auto_logout_min must be at most 480, not 500"),
        ({"storage_quota_kb": "2 MB"}, "storage_quota_kb is counted in KB, not '2 MB'"),
        ({"storage_quota_kb": 1.5}, "storage_quota_kb takes a whole number, not 1.5"),
        ({"library": "yes please"}, "library is on or off (true or false), not 'yes please'"),
    ):  # fmt: skip
        refused = await client.patch("/api/profiles/Student", json=values, headers=kari)
        assert (refused.status, (await refused.json())["error"]) == (400, message), values
    assert stored(sessions, "Student")["auto_logout_min"] == 45
    matrix = await body(await client.get("/api/profiles/matrix", headers=kari))
    assert [(p["name"], p["security_level"]) for p in matrix["profiles"]] == [
        ("System administrator", 100), ("Administrator", 50), ("Staff", 30),
        ("Student", 20), ("Guardian", 12), ("Guest", 10),
    ]  # fmt: skip
    files = next(s for s in matrix["sections"] if s["section"] == "Files")
    quota = next(s for s in files["settings"] if s["key"] == "storage_quota_kb")
    assert (quota["type"], quota["unit"], quota["min"], quota["values"]["Guest"]) == (
        "number", "KB", 0, 0,
    )  # fmt: skip


async def test_a_profile_is_added_from_another(gateway: Gateway) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    made = await client.post(
        "/api/profiles",
        json={"name": "Vikar", "from": "Staff", "security_level": 25},
        headers=kari,
    )
    vikar = next(p for p in (await body(made, 201))["profiles"] if p["name"] == "Vikar")
    assert (vikar["security_level"], vikar["hierarchy_role"]) == (25, "teacher")
    taken = await client.post(
        "/api/profiles",
        json={"name": "Vikar2", "from": "Staff", "security_level": 25},
        headers=kari,
    )
    assert (taken.status, (await taken.json())["error"]) == (
        400,
        "security level 25 is already Vikar's: each profile needs its own",
    )
    entries = audit_of(await body(await client.get("/api/audit", headers=kari)))
    assert [e[1:3] for e in entries] == [("profile.add", "Vikar")]


async def test_only_site_admins_change_profiles(gateway: Gateway) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    for method, path, data in (
        ("PATCH", "/api/profiles/Staff", {"auto_logout_min": 60}),
        ("POST", "/api/profiles", {"name": "X", "from": "Staff", "security_level": 33}),
        ("GET", "/api/profiles/matrix", None),
    ):
        response = await client.request(method, path, json=data, headers=ola)
        assert response.status == 403, path
        assert "site admins only" in (await response.json())["error"]


async def test_accounts_carry_profile_settings_only_when_asked(
    gateway: Gateway, schools: Schools
) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    plain = await body(await client.get("/api/accounts", headers=kari))
    assert plain and all("profile_settings" not in a for a in plain)
    asked = await body(
        await client.get("/api/accounts", params={"with_profile_settings": "true"}, headers=kari)
    )
    assert [a["username"] for a in asked] == [a["username"] for a in plain]
    student = next(a for a in asked if a["profile"] == "Student")
    assert (student["profile_settings"]["security_level"], len(student["profile_settings"])) == (
        20,
        75,
    )
