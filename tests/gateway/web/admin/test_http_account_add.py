"""Adding an account through the admin UI's form over plain HTTP on SQLite and PostgreSQL:
added where the admin reaches, the password made shown once, a school admin refused
another school's place and the top profile, a taken username refused with its reason in
the admin's language, a bad date refused, and a locked account unlocked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import audit
from gateway.store import models as m
from gateway.users import passwords
from tests.gateway.web.admin.test_http import sign_in
from tests.gateway.web.conftest import Gateway, Schools

FORM = {"given_name": "Mia", "family_name": "Müller", "profile": "Staff"}


def _accounts(sessions: sessionmaker[Session]) -> int:
    """How many accounts the store holds."""
    with sessions() as session:
        return len(session.scalars(select(m.Account.id)).all())


async def test_an_account_added_by_the_form_and_its_password_shown_once(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(gateway.client, "ola")
    form = await (await gateway.client.get("/admin/accounts/add")).text()
    assert "Nordby skole/8A" in form and "Sørby skole" not in form
    assert "System administrator" not in form and ">Staff<" in form
    asked = {
        **FORM,
        "csrf": csrf,
        "place": "Nordby skole/8A",
        "birthday": "1990-05-17",
        "expires": "2099-06-30",
        "password_change": "may_change",
        "password_never_expires": "on",
    }
    response = await gateway.client.post("/admin/accounts/add", data=asked)
    assert response.status == 200 and response.url.path == "/admin/accounts/MiMu"
    page = await response.text()
    shown = page.split('class="ok made-password" role="status">Password: ')[1].split(" ")[0]
    with sessions() as session:
        added = session.scalars(select(m.Account).where(m.Account.username == "MiMu")).one()
        assert added.source_id is None and added.status == "active"
        assert (str(added.birthday), str(added.expires_on)) == ("1990-05-17", "2099-06-30")
        assert (added.password_change, added.password_never_expires) == ("may_change", True)
        assert added.password_hash and passwords.matches(added.password_hash, shown)
        logged = audit.entries(session)[0]
    assert (logged["actor"], logged["action"], logged["target"]) == ("ola", "account.add", "MiMu")
    assert "1990-05-17" in page and "2099-06-30" in page and "may change it" in page
    again = await (await gateway.client.get("/admin/accounts/MiMu")).text()
    assert shown not in again and "made-password" not in again


async def test_a_school_admin_is_refused_another_school_and_the_top_profile(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(gateway.client, "ola")
    before = _accounts(sessions)
    for asked, refusal in (
        ({"place": "Sørby skole"}, "You may add an account only in your own schools."),
        ({"place": ""}, "You may add an account only in your own schools."),
        (
            {"place": "Nordby skole", "profile": "System administrator"},
            "Only a site admin may give that profile.",
        ),
    ):
        response = await gateway.client.post(
            "/admin/accounts/add", data={**FORM, "csrf": csrf, **asked}
        )
        assert response.status == 409
        assert f'role="alert" id="add-error">{refusal}' in await response.text()
    assert _accounts(sessions) == before


async def test_a_taken_username_and_a_bad_date_are_refused_in_the_admins_language(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(gateway.client, "kari")
    first = {**FORM, "csrf": csrf, "username": "Muller", "place": "Sørby skole"}
    assert (await gateway.client.post("/admin/accounts/add", data=first)).status == 200
    before = _accounts(sessions)
    taken = {**first, "username": "Müller"}
    response = await gateway.client.post("/admin/accounts/add?lang=nb", data=taken)
    assert response.status == 409
    page = await response.text()
    assert "Brukernavnet Müller er tatt av Muller" in page
    assert 'value="Müller"' in page  # the form keeps what was typed
    response = await gateway.client.post(
        "/admin/accounts/add?lang=sv", data={**first, "username": "", "birthday": "17.05.1990"}
    )
    assert response.status == 409
    assert "Födelsedagen måste vara ett datum (ÅÅÅÅ-MM-DD)." in await response.text()
    assert _accounts(sessions) == before


async def test_a_locked_account_is_unlocked_from_its_page(
    gateway: Gateway, schools: Schools, sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(gateway.client, "ola")
    asked = {**FORM, "csrf": csrf, "place": "Nordby skole", "expires": "2020-01-01"}
    response = await gateway.client.post("/admin/accounts/add", data=asked)
    page = await response.text()
    assert response.status == 200 and "status-locked" in page and ">Unlock</button>" in page
    response = await gateway.client.post("/admin/accounts/MiMu/unlock", data={"csrf": csrf})
    assert response.status == 200 and ">Unlock</button>" not in await response.text()
    with sessions() as session:
        unlocked = session.scalars(select(m.Account).where(m.Account.username == "MiMu")).one()
        assert (unlocked.status, unlocked.expires_on) == ("active", None)
        assert audit.entries(session)[0]["action"] == "account.unlock"
    response = await gateway.client.post("/admin/accounts/MiMu/unlock", data={})
    assert response.status == 403  # no CSRF token
