"""The admin UI in a real headless Chromium: sign-in, dashboard, a held run reviewed by name and
approved, a school admin kept to their school, escaping, the strict CSP, phone width, keyboard."""

from __future__ import annotations

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
    return [f"{rows[k]['given_name']} {rows[k]['family_name']} ({rows[k]['username']})" for k in keys]


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
    assert f"memberships · remove · {names[0]} · 8A · student" in memberships
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
