"""A school admin on every /api route, enumerated from the router: another school's is refused.

The world holds two schools from two sources: ola manages Nordby skole, not Sørby skole.
Each route's path is filled with Sørby's run, school, account and group; a route that
changes something gets a body made from its own OpenAPI description. A list answers with
what is ola's alone, never Sørby's; every other route refuses with 403 before doing anything.
"""

from __future__ import annotations

import re
from typing import Any

from tests.gateway.web.conftest import Gateway, Schools
from tests.gateway.web.test_openapi import routes_and_document

SORBY = {
    "school": "Sørby skole",
    "username": "LaHa",
    "group": "9B",
    "profile": "Staff",
    "name": "sorby",  # a source
    "window": "1",  # a source's window
}
# Routes that answer every admin about themselves, or list only what the caller reaches.
OWN = {
    ("GET", "/api/session"),
    ("POST", "/api/session"),
    ("DELETE", "/api/session"),
    ("GET", "/api/openapi.json"),
}
LISTS = {("GET", "/api/runs"), ("GET", "/api/accounts"), ("GET", "/api/schools")}


def sample(schema: dict[str, Any]) -> Any:
    """A value the schema takes: every property filled, the first choice of each."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: sample(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(schema["items"])]
    if schema.get("format") == "date":
        return "2027-01-01"
    return {"boolean": True, "integer": 1, "string": SORBY["username"]}.get(kind)


def requests(run: int, **values: str) -> list[tuple[str, str, Any]]:
    """Every /api route as (method, path filled with Sørby's things or ``values``, body)."""
    routes, document = routes_and_document()
    values = {**SORBY, "run": str(run), **values}
    out = []
    for method, path in sorted(routes):
        operation = document["paths"][path][method.lower()]
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        filled = re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)
        out.append((method, filled, sample(body["schema"]) if body else None))
    return out


async def test_a_school_admin_is_refused_on_every_route_of_another_school(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    tried = 0
    for method, path, body in requests(schools.sorby_run):
        if (method, path) in OWN | LISTS:
            continue
        response = await client.request(method, path, json=body, headers=ola)
        assert response.status == 403, (method, path, response.status, await response.text())
        assert "error" in await response.json()
        tried += 1
    assert tried >= 20
    audit = await client.get("/api/audit", headers=gateway.bearer(gateway.site_token))
    assert await audit.json() == []  # nothing was done, so nothing was logged


async def test_a_school_admins_lists_hold_their_schools_alone(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    runs = await (await client.get("/api/runs", headers=ola)).json()
    assert [r["run"] for r in runs] == [schools.nordby_run]
    found = await client.get("/api/accounts?limit=1000", headers=ola)
    names = {a["username"] for a in await found.json()}
    assert found.headers["X-Total-Count"] == "13" and len(names) == 13
    assert not names & {"LaHa", "MiFj", "SiSt"}
    listed = await (await client.get("/api/schools", headers=ola)).json()
    assert [s["name"] for s in listed] == ["Nordby skole"]
    other = await client.get("/api/accounts", params={"school": "Sørby skole"}, headers=ola)
    assert other.status == 403


async def test_a_school_admin_reaches_their_own_school(gateway: Gateway, schools: Schools) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    assert (await client.get(f"/api/runs/{schools.nordby_run}", headers=ola)).status == 200
    assert (await client.get("/api/accounts/AsOd", headers=ola)).status == 200
    changed = await client.patch(
        "/api/schools/Nordby skole/settings", json={"sync_guardians": False}, headers=ola
    )
    assert changed.status == 200
    assert (await changed.json())["settings"]["sync_guardians"] is False


def test_the_routes_spared_the_refusal_are_real_routes() -> None:
    assert routes_and_document()[0] >= OWN | LISTS


async def test_a_site_admin_is_answered_on_every_route(gateway: Gateway, schools: Schools) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    answered = {}
    # Nordby's account: an edit of one the Sørby run created would leave the revert a conflict
    for method, path, body in requests(schools.sorby_run, username="AsOd"):
        if (method, path) in OWN:
            continue
        response = await client.request(method, path, json=body, headers=kari)
        assert response.status < 500 and response.status not in (401, 403), (method, path)
        answered[(method, path)] = response.status
    assert answered[("GET", f"/api/runs/{schools.sorby_run}")] == 200
    assert answered[("PATCH", "/api/schools/Sørby skole/settings")] == 200
    assert answered[("POST", f"/api/runs/{schools.sorby_run}/revert")] == 200
    assert sum(status == 200 for status in answered.values()) >= 20
