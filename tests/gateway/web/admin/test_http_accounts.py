"""The accounts and audit pages over plain HTTP on SQLite and PostgreSQL: a school admin
never sees another school's accounts, filters find what they say, a local edit shows where
it came from and is undone, a forced e-mail edit is refused with the reason, the audit log
is the site admins' and filters by actor and action."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.local import set_settings
from gateway.store import models as m
from tests.gateway.web.admin.test_http import sign_in
from tests.gateway.web.conftest import Gateway, Schools
from tests.support.packages import nordby

NAMES = re.compile(r'<a href="/admin/accounts/([^"]+)">')


def _origin(page: str, field: str) -> str:
    """The value and the origin the account page shows for a field."""
    found = re.search(
        rf'id="field-{field}">.*?<td>([^<]*)</td>\s*<td class="origin">([^<(]*)', page, re.S
    )
    assert found, field
    return f"{found[1]}: {found[2].strip()}"


async def _found(gateway: Gateway, query: str = "") -> list[str]:
    """The usernames the search page lists."""
    response = await gateway.client.get(f"/admin/accounts?{query}")
    assert response.status == 200
    return NAMES.findall(await response.text())


def _account(sessions: sessionmaker[Session], username: str) -> m.Account:
    """An account as stored."""
    with sessions() as session:
        return session.scalars(select(m.Account).where(m.Account.username == username)).one()


async def test_a_school_admin_never_sees_another_schools_accounts(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(gateway.client, "ola")
    mine = await _found(gateway)
    assert len(mine) == 13 and "MaHa" in mine  # Nordby's teacher, 10 pupils, 2 guardians
    assert not {"SiSt", "LaHa", "MiFj"} & set(mine)
    assert await _found(gateway, "q=Strand") == []
    with sessions() as session:
        sorby = session.scalars(select(m.Node.id).where(m.Node.name == "Sørby skole")).one()
    response = await gateway.client.get(f"/admin/accounts?school={sorby}")
    assert response.status == 403
    assert "LaHa" not in await response.text()
    response = await gateway.client.get("/admin/accounts/LaHa")
    assert response.status == 403 and "Hansen" not in await response.text()
    form = {"csrf": csrf, "given_name": "Hacked", "family_name": "Hansen", "email": ""}
    response = await gateway.client.post("/admin/accounts/LaHa", data=form)
    assert response.status == 403
    response = await gateway.client.post("/admin/accounts/LaHa/undo", data={"csrf": csrf})
    assert response.status == 403
    assert _account(sessions, "LaHa").given_name == "Lars"


async def test_the_filters_find_what_they_say(gateway: Gateway, schools: Schools) -> None:
    await sign_in(gateway.client, "kari")
    assert len(await _found(gateway)) == 16
    assert await _found(gateway, "q=strand") == ["SiSt"]
    assert await _found(gateway, "q=p3%40nordby") == ["KaLi"]
    assert await _found(gateway, "profile=Guardian") == ["LiDa", "PeOd"]
    assert sorted(await _found(gateway, "source=sorby")) == ["LaHa", "MiFj", "SiSt"]
    assert await _found(gateway, "source=sorby&profile=Staff") == ["SiSt"]
    assert await _found(gateway, "status=expired") == []
    schools.run(nordby(10).without("P10"), "nordby")
    assert await _found(gateway, "status=expired") == ["HeAa"]


async def test_a_local_edit_shows_where_it_came_from_and_is_undone(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(gateway.client, "ola")
    page = await (await gateway.client.get("/admin/accounts/KaLi")).text()
    assert _origin(page, "given_name") == "Kari: synced from nordby"
    form = {"csrf": csrf, "given_name": "Karianne", "family_name": "Lie", "email": "p3@nordby.no"}
    response = await gateway.client.post("/admin/accounts/KaLi", data=form)
    page = await response.text()
    assert response.status == 200 and "Saved." in page
    assert _origin(page, "given_name") == "Karianne: edited here"
    assert _origin(page, "family_name") == "Lie: synced from nordby"
    assert page.count("Undo local edit</button>") == 1
    assert _account(sessions, "KaLi").local_fields == "given_name"

    again = {**form, "given_name": "Kari-Anne"}  # a second edit: the undo goes past both
    assert (await gateway.client.post("/admin/accounts/KaLi", data=again)).status == 200
    schools.run(nordby(10).changed("P3", given="Kaja"), "nordby")  # the edit sticks
    assert _account(sessions, "KaLi").given_name == "Kari-Anne"
    response = await gateway.client.post(
        "/admin/accounts/KaLi/undo", data={"csrf": csrf, "field": "given_name"}
    )
    assert response.status == 200 and response.url.path == "/admin/accounts/KaLi"
    undone = _account(sessions, "KaLi")
    assert (undone.given_name, undone.local_fields) == ("Kari", "")
    assert "local edit undone" in await response.text()
    schools.run(nordby(10).changed("P3", given="Kaja"), "nordby")  # the register wins again
    assert _account(sessions, "KaLi").given_name == "Kaja"
    with sessions() as session:
        logged = [(e["actor"], e["action"], e["target"]) for e in audit.entries(session)]
    assert logged[:3] == [("ola", "account.undo", "KaLi"), *[("ola", "account.edit", "KaLi")] * 2]


async def test_a_forced_email_edit_is_refused_with_the_reason(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        set_settings(session, "Nordby skole", ["force_email_students=true"])
    csrf = await sign_in(gateway.client, "kari")
    page = await (await gateway.client.get("/admin/accounts/KaLi")).text()
    assert "the register's e-mail is forced at Nordby skole" in page
    form = {"csrf": csrf, "given_name": "Kari", "family_name": "Lie", "email": "kari@home.no"}
    response = await gateway.client.post("/admin/accounts/KaLi", data=form)
    assert response.status == 409
    refused = 'role="alert">Nordby skole forces the register&#39;s e-mail for students'
    assert refused in await response.text()
    assert _account(sessions, "KaLi").email == "p3@nordby.no"


async def test_the_audit_log_is_for_site_admins_filtered_and_paged(
    gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        for n in range(60):
            audit.record(session, "kari" if n % 2 else "ola", "account.edit", f"U{n}")
        audit.record(session, "ola", "settings.set", "Nordby skole")
    await sign_in(gateway.client, "ola")
    response = await gateway.client.get("/admin/audit")
    assert response.status == 403 and "U1" not in await response.text()
    await sign_in(gateway.client, "kari")

    async def targets(query: str) -> list[str]:
        page = await (await gateway.client.get(f"/admin/audit?{query}")).text()
        return re.findall(r"<td>(U\d+|Nordby skole)</td>", page)

    first = await (await gateway.client.get("/admin/audit")).text()
    assert first.count("<tr><td>") == 50 and "Page 1 of 2" in first  # 61 and the sign-ins
    assert (await targets(""))[:3] == ["Nordby skole", "U59", "U58"]
    assert await targets("actor=ola&action=settings.set") == ["Nordby skole"]
    assert await targets("actor=kari&action=account.edit") == [f"U{n}" for n in range(59, 0, -2)]
    assert await targets("action=account.edit&page=2") == [f"U{n}" for n in range(9, -1, -1)]
