"""The admin UI over plain HTTP on SQLite and PostgreSQL: nothing without a session, forms need
their CSRF token, scopes hold on actions too, and the issues CSV is safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.store import models as m
from gateway.store import runs
from gateway.sync.run import run
from gateway.web.admin.runs import safe_cell
from mapping.records import RowIssue
from tests.gateway.web.conftest import PASSWORD, Gateway
from tests.gateway.web.test_auth import all_routes
from tests.support.packages import nordby

ADMIN_SAMPLES = {"run": "1", "school": "1"}


def admin_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the admin UI but its sign-in page and static files."""
    return [
        (method, path)
        for method, path in all_routes(ADMIN_SAMPLES)
        if path.startswith("/admin") and not path.startswith(("/admin/sign-in", "/admin/static"))
    ]


async def sign_in(client: TestClient, username: str) -> str:  # type: ignore[type-arg]
    """Sign in through the form; return the CSRF token the pages carry."""
    response = await client.post(
        "/admin/sign-in", data={"username": username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status == 200 and response.url.path == "/admin/"
    found = re.search(r'name="csrf" value="([^"]+)"', await response.text())
    assert found
    return found[1]


def held_run(sessions: sessionmaker[Session], database_url: str, tmp_path: Path) -> int:
    """Nordby imported, then again with half its pupils gone: held."""
    config = Config(database_url=database_url)
    for name, world in (("one", nordby(10)), ("two", nordby(10).without("P1", "P2", "P3"))):
        report = run(
            sessions, config, Feed(world.write(tmp_path / name), "oneroster", "nordby", {})
        )
    assert report.state == "held"
    return report.run


async def test_every_admin_page_sends_a_stranger_to_sign_in(gateway: Gateway) -> None:
    routes = admin_routes()
    assert ("GET", "/admin/") in routes and ("POST", "/admin/runs/1/approve") in routes
    for method, path in routes:
        for headers in ({}, {"Cookie": "rostergate_session=x"}, gateway.bearer(gateway.site_token)):
            response = await gateway.client.request(
                method, path, headers=headers, allow_redirects=False
            )
            assert response.status == 303, (method, path, headers)
            assert response.headers["Location"] == f"/admin/sign-in?next={path}"
            assert "Content-Security-Policy" in response.headers


async def test_a_form_without_its_csrf_token_is_refused(
    gateway: Gateway, sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    held = held_run(sessions, database_url, tmp_path)
    client = gateway.client
    csrf = await sign_in(client, "kari")
    for data in ({}, {"csrf": "forged"}):
        response = await client.post(f"/admin/runs/{held}/approve", data=data)
        assert response.status == 403
        assert "did not come from this site" in await response.text()
    with sessions() as session:
        assert session.get_one(m.ImportRun, held).state == "held"
    response = await client.post(f"/admin/runs/{held}/discard", data={"csrf": csrf})
    assert response.status == 200 and response.url.path == f"/admin/runs/{held}"
    with sessions() as session:
        assert session.get_one(m.ImportRun, held).state == "discarded"


async def test_a_school_admin_cannot_approve_another_schools_run(
    gateway: Gateway, sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    held = held_run(sessions, database_url, tmp_path)
    with sessions.begin() as session:  # Nordby's source now writes to a second school too
        school = m.Node(sync_key="S2", name="Sørby skole", kind="school")
        session.add(school)
        session.flush()
        source = session.get_one(m.ImportRun, held).source_id
        session.add(
            m.Group(source_id=source, sync_key="9B", name="9B", kind="class", school_id=school.id)
        )
    csrf = await sign_in(gateway.client, "ola")
    response = await gateway.client.post(f"/admin/runs/{held}/approve", data={"csrf": csrf})
    assert response.status == 403
    assert "ola may not see run" in await response.text()
    with sessions() as session:
        assert session.get_one(m.ImportRun, held).state == "held"


async def test_the_issues_csv_cannot_run_formulas(
    gateway: Gateway, sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    held = held_run(sessions, database_url, tmp_path)
    hostile = [
        RowIssue("error", "bad_value", '=HYPERLINK("http://x")', "accounts", "+47", 3, "@x.csv"),
        RowIssue("warning", "odd", "-1+1", "accounts", "plain", 4, "users.csv"),
    ]
    with sessions.begin() as session:
        runs.save_issues(session, held, hostile)
    await sign_in(gateway.client, "kari")
    response = await gateway.client.get(f"/admin/runs/{held}/issues.csv?code=bad_value")
    assert response.status == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="run-{held}-issues.csv"'
    )
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows == [
        ["severity", "code", "entity", "key", "file", "line", "message"],
        ["error", "bad_value", "accounts", "'+47", "'@x.csv", "3", '\'=HYPERLINK("http://x")'],
    ]
    assert [safe_cell(v) for v in ("-1", "a=b", "", None, "\tx")] == ["'-1", "a=b", "", "", "'\tx"]
