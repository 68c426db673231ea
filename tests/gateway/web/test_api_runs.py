"""Runs through the admin API: lists, reports, issues, changes, approve, discard and revert."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse

from tests.gateway.web.conftest import Gateway, Schools
from tests.support.packages import User, nordby


async def body(response: ClientResponse, status: int = 200) -> Any:
    """The JSON of a response that must have this status."""
    assert response.status == status, await response.text()
    return await response.json()


def audit_of(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(actor, action, target, address) of audit entries, oldest first."""
    return [(e["actor"], e["action"], e["target"], e["address"]) for e in reversed(entries)]


async def test_runs_are_listed_by_source_state_and_time_and_paged(
    gateway: Gateway, schools: Schools
) -> None:
    held = schools.run(nordby(10).without("P1", "P2", "P3", "P4"), "nordby")
    client, kari = gateway.client, gateway.bearer(gateway.site_token)

    async def runs(**params: str) -> tuple[list[int], str]:
        response = await client.get("/api/runs", params=params, headers=kari)
        return [r["run"] for r in await body(response)], response.headers["X-Total-Count"]

    assert await runs() == ([held.run, schools.sorby_run, schools.nordby_run], "3")
    assert await runs(state="held") == ([held.run], "1")
    assert await runs(source="sorby") == ([schools.sorby_run], "1")
    assert await runs(source="nordby", limit="1", offset="1") == ([schools.nordby_run], "2")
    assert await runs(since="2999-01-01") == ([], "0")
    assert await runs(since="2000-01-01T00:00:00+02:00") == (
        [held.run, schools.sorby_run, schools.nordby_run],
        "3",
    )
    for bad in ({"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"since": "yesterday"}):
        refused = await client.get("/api/runs", params=bad, headers=kari)
        assert refused.status == 400 and "must be" in (await refused.json())["error"]


async def test_a_runs_report_issues_and_changes_are_paged_and_filtered(
    gateway: Gateway, schools: Schools
) -> None:
    world = nordby(10)
    world.users += [User("X1", "Per", "Vakt", "vaktmester"), User("X2", "Pia", "Vakt", "vakt")]
    report = schools.run(world, "nordby")
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    path = f"/api/runs/{report.run}"
    assert await body(await client.get(path, headers=kari)) == report.to_json()

    issues = await client.get(f"{path}/issues", params={"limit": "1"}, headers=kari)
    assert issues.headers["X-Total-Count"] == "2"
    assert [(i["code"], i["key"], i["file"]) for i in await body(issues)] == [
        ("unmapped_role", "X1", "users.csv")
    ]
    second = await client.get(f"{path}/issues", params={"offset": "1"}, headers=kari)
    assert [i["key"] for i in await body(second)] == ["X2"]
    for params, count in (
        ({"severity": "error", "code": "unmapped_role"}, "2"),
        ({"severity": "warning"}, "0"),
        ({"code": "no_such_code"}, "0"),
    ):
        found = await client.get(f"{path}/issues", params=params, headers=kari)
        assert found.headers["X-Total-Count"] == count, params

    held = schools.run(nordby(10).without("P1", "P2", "P3", "P4"), "nordby")
    changes = await client.get(
        f"/api/runs/{held.run}/changes", params={"limit": "2", "offset": "1"}, headers=kari
    )
    assert changes.headers["X-Total-Count"] == "14"
    assert [(c["key"], c["action"], c["planned"]) for c in await body(changes)] == [
        ("P2", "expire", True),
        ("P3", "expire", True),
    ]
    assert (await client.get("/api/runs/999/issues", headers=kari)).status == 404


async def test_a_held_run_is_approved_once_and_the_audit_log_says_who(
    gateway: Gateway, schools: Schools
) -> None:
    held = schools.run(nordby(10).without("P1", "P2", "P3", "P4"), "nordby")
    assert held.state == "held"
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    approved = await body(await client.post(f"/api/runs/{held.run}/approve", headers=kari))
    assert approved["state"] == "applied"
    expired = await client.get("/api/accounts", params={"status": "expired"}, headers=kari)
    assert sorted(a["sync_key"] for a in await body(expired)) == ["P1", "P2", "P3", "P4"]
    again = await client.post(f"/api/runs/{held.run}/approve", headers=kari)
    assert again.status == 400 and "not held" in (await again.json())["error"]
    log = await body(await client.get("/api/audit", headers=kari))
    assert audit_of(log) == [("kari", "run.approve", f"run {held.run}", "127.0.0.1")]
    assert log[0]["detail"] == {"state": "applied", "run": held.run}


async def test_a_school_admin_approves_and_discards_their_schools_held_runs(
    gateway: Gateway, schools: Schools
) -> None:
    client, ola = gateway.client, gateway.bearer(gateway.school_token)
    first = schools.run(nordby(10).without("P1", "P2", "P3", "P4"), "nordby")
    dropped = await body(await client.post(f"/api/runs/{first.run}/discard", headers=ola))
    assert dropped["state"] == "discarded"
    second = schools.run(nordby(10).without("P1", "P2", "P3", "P4"), "nordby")
    approved = await body(await client.post(f"/api/runs/{second.run}/approve", headers=ola))
    assert approved["state"] == "applied"
    log = await body(await client.get("/api/audit", headers=gateway.bearer(gateway.site_token)))
    assert [(e["actor"], e["action"]) for e in reversed(log)] == [
        ("ola", "run.discard"),
        ("ola", "run.approve"),
    ]


async def test_a_revert_is_previewed_then_applied(gateway: Gateway, schools: Schools) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    path = f"/api/runs/{schools.sorby_run}/revert"

    async def sorby_accounts() -> int:
        wanted = {"source": "sorby", "status": "active"}
        found = await client.get("/api/accounts", params=wanted, headers=kari)
        return int(found.headers["X-Total-Count"])

    preview = await body(await client.post(path, params={"dry_run": "1"}, headers=kari))
    assert preview["state"] == "previewed"
    assert preview["counts"]["accounts"]["expired"] == 3  # nothing is ever deleted
    assert await sorby_accounts() == 3  # a preview writes nothing
    done = await body(await client.post(path, headers=kari))
    assert done["state"] == "applied" and done["counts"]["accounts"]["expired"] == 3
    assert await sorby_accounts() == 0
    target = await body(await client.get(f"/api/runs/{schools.sorby_run}", headers=kari))
    assert target["state"] == "reverted"
    log = await body(await client.get("/api/audit", headers=kari))
    assert [e["action"] for e in reversed(log)] == ["run.revert.preview", "run.revert"]


async def test_a_revert_leaves_a_locally_edited_account_and_its_places_alone(
    gateway: Gateway, schools: Schools
) -> None:
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    edited = await client.patch("/api/accounts/LaHa", json={"email": "l@x.no"}, headers=kari)
    assert edited.status == 200
    done = await client.post(f"/api/runs/{schools.sorby_run}/revert", headers=kari)
    assert done.status == 200, await done.text()
    codes = {(i["code"], i["key"]) for i in (await done.json())["issues"]}
    assert ("revert_conflict", "SP1") in codes


async def test_a_held_runs_changes_name_people_groups_and_places(
    gateway: Gateway, schools: Schools
) -> None:
    held = schools.run(nordby(10).without("P1", "P2", "P3", "P4"), "nordby")
    client, kari = gateway.client, gateway.bearer(gateway.site_token)
    changes = await client.get(
        f"/api/runs/{held.run}/changes", params={"limit": "1", "offset": "4"}, headers=kari
    )
    assert changes.headers["X-Total-Count"] == "14"
    [membership] = await body(changes)
    assert isinstance(membership["before"]["account_id"], int)  # the ids stay for machines
    assert (membership["entity"], membership["name"], membership["fields"]) == (
        "memberships",
        "Åse Ødegård (AsOd) · 8A (Nordby skole/8A) · student",
        [
            ["account", "Åse Ødegård (AsOd)", ""],
            ["group", "8A (Nordby skole/8A)", ""],
            ["role", "student", ""],
            ["origin", "sync", ""],
            ["status", "active", "removed"],
        ],
    )
