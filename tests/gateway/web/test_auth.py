"""Sign-in, API tokens and CSRF over real HTTP: nothing under /api answers a stranger."""

from __future__ import annotations

import re

from gateway.config import Config
from gateway.web.app import create_app
from tests.gateway.web.conftest import PASSWORD, Gateway

SAMPLES = {
    "run": "1",
    "profile": "Staff",
    "school": "Nordby skole",
    "username": "x",
    "group": "g",
    "name": "vigilo",
}
SAMPLES |= {p: "x" for p in ("sourcedId", "classSourcedId", "courseSourcedId", "schoolSourcedId")}
SAMPLES |= {p: "x" for p in ("studentSourcedId", "teacherSourcedId", "termSourcedId")}
SAMPLES |= {"userSourcedId": "x"}
# /metrics answers the addresses in metrics_allow (loopback here) without a token, as
# scrapers expect; tests/gateway/web/test_metrics.py checks it refuses everyone else.
OPEN = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/api/session"), ("GET", "/metrics")}
OPEN |= {("POST", "/ims/oneroster/rostering/v1p2/token")}  # OAuth 2: client credentials


def all_routes(samples: dict[str, str] = SAMPLES) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, read from its routers, with sample ids."""
    app = create_app(Config())
    routers = [app.router]
    routers += [r._app.router for r in app.router.resources() if hasattr(r, "_app")]
    found = {
        (
            route.method,
            re.sub(r"\{(\w+)[^}]*\}", lambda m: samples.get(m[1], "1"), route.resource.canonical),
        )
        for router in routers
        for route in router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    return sorted(found)


async def test_every_route_but_sign_in_refuses_a_request_without_a_credential(
    gateway: Gateway,
) -> None:
    routes = all_routes()
    assert ("GET", "/api/runs") in routes and ("POST", "/api/session") in routes
    for method, path in routes:
        if (method, path) in OPEN or path.startswith("/admin"):
            continue  # the admin UI sends strangers to its sign-in page (admin/test_http.py)
        for headers in ({}, gateway.bearer("rga_not-a-token"), {"Cookie": "rostergate_session=x"}):
            response = await gateway.client.request(method, path, headers=headers)
            assert response.status == 401, (method, path, headers)
            body = await response.json()
            assert "error" in body or body["imsx_codeMajor"] == "failure"


async def test_an_api_token_opens_the_api(gateway: Gateway) -> None:
    response = await gateway.client.get("/api/runs", headers=gateway.bearer(gateway.site_token))
    assert response.status == 200 and await response.json() == []
    who = await gateway.client.get("/api/session", headers=gateway.bearer(gateway.school_token))
    assert await who.json() == {"username": "ola", "role": "school", "schools": ["Nordby skole"]}


async def test_sign_in_sets_an_http_only_cookie_and_changes_need_the_csrf_token(
    gateway: Gateway,
) -> None:
    client = gateway.client
    wrong = await client.post("/api/session", json={"username": "kari", "password": "nope"})
    assert wrong.status == 401
    signed = await client.post("/api/session", json={"username": "kari", "password": PASSWORD})
    assert signed.status == 200
    csrf = (await signed.json())["csrf_token"]
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (await (await client.get("/api/session")).json())["username"] == "kari"

    refused = await client.delete("/api/session")
    assert refused.status == 403
    assert (await client.delete("/api/session", headers={"X-CSRF-Token": "x"})).status == 403
    assert (await client.delete("/api/session", headers={"X-CSRF-Token": csrf})).status == 200
    assert (await client.get("/api/session")).status == 401


async def test_sign_in_from_a_form_works_too(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/api/session", data={"username": "ola", "password": PASSWORD}
    )
    assert response.status == 200 and (await response.json())["username"] == "ola"


async def test_failed_sign_ins_are_rate_limited(gateway: Gateway) -> None:
    client = gateway.client
    for _ in range(5):
        response = await client.post("/api/session", json={"username": "kari", "password": "x"})
        assert response.status == 401
    right = await client.post("/api/session", json={"username": "kari", "password": PASSWORD})
    assert right.status == 429
    assert "wait" in (await right.json())["error"]


async def test_a_school_admin_may_not_read_across_all_schools(gateway: Gateway) -> None:
    for path in ("/api/nodes", "/api/groups", "/api/profiles", "/api/mapping", "/api/audit"):
        response = await gateway.client.get(path, headers=gateway.bearer(gateway.school_token))
        assert response.status == 403, path
        assert "site admins only" in (await response.json())["error"]
