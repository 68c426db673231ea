"""The admin UI over plain HTTP on SQLite and PostgreSQL: nothing without a session, forms need
their CSRF token, scopes hold on actions too, and the issues CSV is safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.config import Config
from gateway.feeds import Feed
from gateway.local import settings_of
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


async def test_failed_sign_ins_are_rate_limited_on_the_page_too(gateway: Gateway) -> None:
    form = {"username": "kari", "password": "wrong", "next": "/admin/"}
    for _ in range(5):
        response = await gateway.client.post("/admin/sign-in", data=form)
        assert response.status == 401
        assert "Wrong username or password." in await response.text()
    right = {**form, "password": PASSWORD}
    response = await gateway.client.post("/admin/sign-in", data=right)
    assert response.status == 429
    assert "Too many failed sign-ins" in await response.text()


async def test_issues_are_filtered_by_severity_and_code_and_paged(
    gateway: Gateway, sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    held = held_run(sessions, database_url, tmp_path)  # with a few issues of its own
    many = [
        RowIssue("warning", "bad_email", f"e-mail {n}", "accounts", f"K{n}", n) for n in range(60)
    ]
    with sessions.begin() as session:
        runs.save_issues(session, held, many)
    client = gateway.client
    await sign_in(client, "kari")

    async def shown(query: str) -> list[str]:
        page = await (await client.get(f"/admin/runs/{held}?{query}")).text()
        return re.findall(r"<td>(e-mail \d+)</td>", page)

    assert await shown("code=bad_email") == [f"e-mail {n}" for n in range(50)]
    assert await shown("code=bad_email&page=2") == [f"e-mail {n}" for n in range(50, 60)]
    assert await shown("severity=error") == []
    with sessions() as session:
        own = [i.severity for i in runs.report(session, held).issues]
    warnings, errors = own.count("warning"), own.count("error")  # the 60 among them
    page = await (await client.get(f"/admin/runs/{held}?severity=warning&page=2")).text()
    assert "Page 2 of 2" in page and f"Issues ({warnings})" in page
    shown_errors = await (await client.get(f"/admin/runs/{held}?severity=error")).text()
    assert f"Issues ({errors})" in shown_errors


async def test_a_settings_change_is_audited(
    gateway: Gateway, sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    held_run(sessions, database_url, tmp_path)
    with sessions() as session:
        school = session.scalars(select(m.Node.id).where(m.Node.kind == "school")).one()
    csrf = await sign_in(gateway.client, "ola")
    form = {"csrf": csrf, "auto_sync": "on", "guardians_from": "not a date"}
    response = await gateway.client.post(f"/admin/schools/{school}", data=form)
    assert response.status == 400
    assert "guardians_from must be a date" in await response.text()
    response = await gateway.client.post(
        f"/admin/schools/{school}", data={**form, "guardians_from": ""}
    )
    assert response.status == 200 and "Saved." in await response.text()
    with sessions() as session:
        settings = settings_of(session, school)
        entries = [(e["actor"], e["action"], e["target"]) for e in audit.entries(session)]
    assert settings.auto_sync and not settings.sync_students and not settings.sync_staff
    assert entries[0] == ("ola", "settings.set", "Nordby skole")
    assert [e for e in entries if e[1] == "settings.set"] == [entries[0]]  # the refused one is not


async def test_the_language_switch_keeps_the_page_and_its_query(gateway: Gateway) -> None:
    response = await gateway.client.get("/admin/sign-in?next=/admin/runs/7&lang=sv")
    page = await response.text()
    assert 'href="/admin/sign-in?next=/admin/runs/7&amp;lang=nb"' in page
    assert "<h1>Logga in</h1>" in page
    assert "rostergate_lang=sv" in response.headers["Set-Cookie"]
