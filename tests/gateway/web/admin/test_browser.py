"""The admin UI in a real headless Chromium: sign-in, dashboard, a held run reviewed by name and
approved, a school admin kept to their school, escaping, the strict CSP, phone width, keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from gateway.local import settings_of
from gateway.store import models as m
from gateway.store import queries
from tests.gateway.web.admin.conftest import XSS, Site, screenshot
from tests.support.packages import nordby

GONE = ("P1", "P2", "P3", "P4", "P5")


def _names(site: Site, keys: tuple[str, ...]) -> list[str]:
    """How the UI names these accounts: full name and username."""
    with site.sessions() as session:
        rows = {a["sync_key"]: a for a in queries.accounts(session) if a["source"] == "nordby"}
    return [
        f"{rows[k]['given_name']} {rows[k]['family_name']} ({rows[k]['username']})" for k in keys
    ]


def test_sign_in_then_the_dashboard(site: Site) -> None:
    page = site.page()
    response = page.goto(f"{site.url}/admin/")
    assert response is not None and page.url.startswith(f"{site.url}/admin/sign-in")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    screenshot(page, "sign-in")
    page.get_by_label("Username").fill("kari")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")

    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/admin/")
    latest = page.locator("section[aria-labelledby=latest-h] tbody tr")
    expect(latest).to_have_count(2)
    expect(latest.nth(0)).to_contain_text("sorby")
    expect(latest.nth(1)).to_contain_text("nordby")
    expect(latest.nth(1)).to_contain_text("applied")
    expect(page.locator("section[aria-labelledby=held-h]")).to_contain_text(
        "No run is waiting for approval."
    )
    screenshot(page, "dashboard")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/admin/sign-in")
    page.goto(f"{site.url}/admin/")
    assert page.url.startswith(f"{site.url}/admin/sign-in")


def test_a_held_run_is_reviewed_by_name_and_approved(site: Site) -> None:
    held = site.import_world(nordby(10).without(*GONE), "nordby", "nordby-2")
    page = site.sign_in("kari")
    page.locator("section[aria-labelledby=held-h]").get_by_role("link", name=str(held)).click()
    page.wait_for_url(f"{site.url}/admin/runs/{held}")
    expect(page.locator("h1")).to_contain_text("held for approval")
    removals = page.locator("ul.removals li")
    names = _names(site, GONE)
    expired = [f"accounts · expire · {name}" for name in names]
    texts = removals.all_inner_texts()
    assert sorted(t for t in texts if t.startswith("accounts")) == sorted(expired)
    memberships = [t for t in texts if t.startswith("memberships")]
    assert len(memberships) == 10  # each pupil's 8A and Matematikk 8
    assert f"memberships · remove · {names[0]} · 8A (Nordby skole/8A) · student" in memberships
    links = sorted(t for t in texts if t.startswith("guardian links"))
    assert links == [
        f"guardian links · remove · Liv Dahl (LiDa) → {names[1]}",
        f"guardian links · remove · Per Ødegård (PeOd) → {names[0]}",
    ]
    assert len(texts) == 5 + 10 + 2  # nothing else would go
    assert not any("/" in t.split(" · ")[2] or "#" in t for t in texts)  # names, never ids
    screenshot(page, "held-run")

    page.get_by_role("button", name="Approve and apply").click()
    expect(page.locator("h1")).to_contain_text("applied")
    with site.sessions() as session:
        run = session.get_one(m.ImportRun, held)
        query = select(m.Account.sync_key, m.Account.status).where(m.Account.sync_key.in_(GONE))
        statuses = {key: status for key, status in session.execute(query)}
    assert run.state == "applied"
    assert set(statuses.values()) == {"expired"}


def _school_id(site: Site, name: str) -> int:
    """A school node's id."""
    with site.sessions() as session:
        return session.scalars(select(m.Node.id).where(m.Node.name == name)).one()


def _run_of(site: Site, source: str) -> int:
    """The first run of a source."""
    with site.sessions() as session:
        query = select(m.ImportRun.id).join(m.Source).where(m.Source.name == source)
        return session.scalars(query.order_by(m.ImportRun.id)).first() or 0


def test_a_school_admin_changes_their_school_and_never_sees_another(site: Site) -> None:
    nordby_id, sorby_id = _school_id(site, "Nordby skole"), _school_id(site, "Sørby skole")
    page = site.sign_in("ola")
    latest = page.locator("section[aria-labelledby=latest-h] tbody tr")
    expect(latest).to_have_count(1)
    expect(latest).to_contain_text("nordby")
    expect(page.locator("main")).not_to_contain_text("sorby")

    page.get_by_role("link", name="Schools").click()
    expect(page.locator("ul.schools li")).to_have_text(["Nordby skole"])
    for path in (f"/admin/schools/{sorby_id}", f"/admin/runs/{_run_of(site, 'sorby')}"):
        response = page.goto(f"{site.url}{path}")
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("alert")).to_contain_text("ola may not see")
        expect(page.locator("main")).not_to_contain_text("Sørby")

    page.goto(f"{site.url}/admin/schools/{nordby_id}")
    expect(page.get_by_label("Pupils' accounts")).to_be_checked()
    expect(page.get_by_text("hold back pupils' accounts at a new school")).to_be_visible()
    page.get_by_label("Pupils' accounts").uncheck()
    page.get_by_label("Guardians from").fill("2027-01-15")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("Pupils' accounts")).not_to_be_checked()
    screenshot(page, "school-settings")
    with site.sessions() as session:
        saved = settings_of(session, nordby_id)
        untouched = settings_of(session, sorby_id)
    assert (saved.sync_students, str(saved.guardians_from), saved.sync_staff) == (
        False,
        "2027-01-15",
        True,
    )
    assert untouched.sync_students and untouched.guardians_from is None


def test_a_name_with_a_script_tag_shows_as_text(site: Site) -> None:
    page = site.sign_in("kari")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(f"{site.url}/admin/runs/{_run_of(site, 'sorby')}")
    named = page.locator("table.changes strong", has_text="Siv").all_inner_texts()
    assert named == [f"Siv {XSS} (SiSc)", f"Siv {XSS} (SiSc) · 9B (Sørby skole/9B) · teacher"]
    placed = page.locator("table.changes tr", has=page.locator("td", has_text="nodes"))
    assert placed.locator("td.after").all_inner_texts() == ["Sørby skole"] * 3  # not an id
    assert page.locator("main script").count() == 0
    assert dialogs == []
    screenshot(page, "run-review")


def test_phone_width_and_keyboard(site: Site) -> None:
    page = site.page()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{site.url}/admin/")
    # by keyboard alone: the username field has focus, Tab to the password, Enter to send
    page.keyboard.type("kari")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/admin/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(page, "dashboard-phone")


def test_norwegian_from_the_browser_then_swedish_from_the_switch(site: Site) -> None:
    page = site.page(locale="nb-NO")
    page.goto(f"{site.url}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("button", name="Logg inn")).to_be_visible()
    page.get_by_label("Brukernavn").fill("kari")
    page.get_by_label("Passord").fill("correct horse battery")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.locator("h1")).to_have_text("Oversikt")
    latest = page.locator("section[aria-labelledby=latest-h] tbody tr").nth(1)
    expect(latest).to_contain_text("brukt")
    expect(latest.locator("td").nth(3)).to_have_text(re.compile(r"^\d+\. des\. \d{4}"))
    screenshot(page, "dashboard-nb")

    page.get_by_role("link", name="Svenska").click()
    expect(page.locator("h1")).to_have_text("Översikt")
    page.get_by_role("link", name="Skolor").click()  # the choice sticks (a cookie)
    expect(page.locator("h1")).to_have_text("Skolor")
    page.get_by_role("link", name="Nordby skole").click()
    expect(page.get_by_text("pausa all synkronisering")).to_be_visible()
    screenshot(page, "school-settings-sv")
