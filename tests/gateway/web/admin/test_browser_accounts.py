"""The accounts, audit and revert pages in a real headless Chromium: search and an account's
page, a forced e-mail edit refused with its reason, a revert previewed then applied, the
XSS name as text, Norwegian and Swedish, and every main page at phone width with labels."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from gateway.local import set_settings
from gateway.store import models as m
from tests.gateway.web.admin.conftest import XSS, Site, screenshot
from tests.support.packages import nordby

# Every input a person fills or chooses, and whether something names it for a screen reader.
UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea')]
  .filter((e) => !e.labels.length && !e.getAttribute('aria-label')
                 && !e.getAttribute('aria-labelledby'))
  .map((e) => e.name || e.id || e.outerHTML)"""


def _ids(site: Site) -> dict[str, int]:
    """The ids the main pages' URLs need: a run and a school."""
    with site.sessions() as session:
        run = session.scalars(select(m.ImportRun.id).order_by(m.ImportRun.id)).first()
        school = session.scalars(select(m.Node.id).where(m.Node.kind == "school")).first()
    assert run and school
    return {"run": run, "school": school}


def main_pages(site: Site) -> list[str]:
    """The admin UI's main pages, each with data on it."""
    ids = _ids(site)
    return [
        "/admin/",
        f"/admin/runs/{ids['run']}",
        "/admin/schools",
        f"/admin/schools/{ids['school']}",
        "/admin/accounts",
        "/admin/accounts/AsOd",
        "/admin/audit",
    ]


def test_account_search_and_an_accounts_page(site: Site) -> None:
    page = site.sign_in("kari")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("status")).to_have_text("16 accounts found")
    page.get_by_label("Name, username, key or e-mail").fill("ødegård")
    page.get_by_label("Profile").select_option("Student")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("AsOd")
    expect(rows).to_contain_text("Nordby skole/8A")
    screenshot(page, "accounts")

    page.get_by_role("link", name="Åse Ødegård").click()
    expect(page.locator("h1")).to_contain_text("Åse Ødegård (AsOd)")
    expect(page.locator("#field-email")).to_contain_text("p1@nordby.no")
    expect(page.locator("#field-email .origin")).to_contain_text("synced from nordby")
    members = page.locator("table.memberships tbody tr")
    expect(members).to_have_text([
        "8ANordby skolestudentsyncedactive",
        "Matematikk 8Nordby skolestudentsyncedactive",
    ])  # fmt: skip
    expect(page.locator("dd.guardians")).to_have_text("Per Ødegård (PeOd)")
    history = page.locator("table.history tr.first")
    expect(history.first).to_contain_text("guardian links")
    expect(page.locator("table.history")).to_contain_text("Per Ødegård (PeOd) → Åse Ødegård (AsOd)")
    pupil_in_8a = "Åse Ødegård (AsOd) · 8A (Nordby skole/8A) · student"
    expect(page.locator("table.history")).to_contain_text(pupil_in_8a)
    screenshot(page, "account")

    page.locator("dd.guardians").get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Per Ødegård (PeOd)")
    expect(page.locator("dd.children")).to_have_text("Åse Ødegård (AsOd)")


def test_a_forced_email_edit_is_refused_with_the_message_shown(site: Site) -> None:
    with site.sessions.begin() as session:
        set_settings(session, "Nordby skole", ["force_email_students=true"])
    page = site.sign_in("ola")
    page.goto(f"{site.url}/admin/accounts/OlDa")
    expect(page.locator(".lock")).to_contain_text("forced at Nordby skole")
    page.get_by_label("E-mail").fill("ola@home.no")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Nordby skole forces the register's e-mail for students: "
        "change OlDa's e-mail in the register instead"
    )
    screenshot(page, "account-refused")
    with site.sessions() as session:
        stored = session.scalars(select(m.Account.email).where(m.Account.username == "OlDa"))
        assert stored.one() == "p2@nordby.no"

    page.get_by_label("Given name").fill("Olav")  # another field is the admin's to change
    page.get_by_label("E-mail").fill("p2@nordby.no")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("#field-given_name .origin")).to_contain_text("edited here")
    page.get_by_role("button", name="Undo the local edit of Given name").click()
    expect(page.locator("#field-given_name")).to_contain_text("Ola")
    expect(page.locator("#field-given_name .origin")).to_contain_text("local edit undone")


def test_a_revert_is_previewed_then_applied(site: Site) -> None:
    changed = site.import_world(nordby(10).changed("P3", given="Kaja"), "nordby", "nordby-2")
    page = site.sign_in("kari")
    page.goto(f"{site.url}/admin/runs/{changed}")
    page.get_by_role("button", name="Preview the revert").click()
    expect(page.locator("h1")).to_contain_text("previewed")
    preview = int(page.url.rsplit("/", 1)[1])
    assert preview > changed
    expect(page.locator("#revert-h")).to_have_text(f"Preview: undoing run {changed}")
    row = page.locator("table.changes tr", has_text="given_name")
    expect(row.locator("td.before")).to_have_text("Kaja")
    expect(row.locator("td.after")).to_have_text("Kari")
    with site.sessions() as session:
        assert (
            session.scalars(select(m.Account.given_name).where(m.Account.sync_key == "P3")).one()
            == "Kaja"
        )
    screenshot(page, "revert-preview")

    page.get_by_role("button", name=f"Revert run {changed}").click()
    expect(page.locator("h1")).to_contain_text("applied")
    assert int(page.url.rsplit("/", 1)[1]) > preview
    with site.sessions() as session:
        assert session.get_one(m.ImportRun, changed).state == "reverted"
        assert (
            session.scalars(select(m.Account.given_name).where(m.Account.sync_key == "P3")).one()
            == "Kari"
        )
    page.goto(f"{site.url}/admin/runs/{changed}")
    expect(page.locator("h1")).to_contain_text("reverted")
    expect(page.get_by_role("button", name="Preview the revert")).to_have_count(0)


def test_the_xss_name_shows_as_text_on_the_account_pages(site: Site) -> None:
    page = site.sign_in("kari")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(f"{site.url}/admin/accounts?q=script")
    expect(page.locator("table.accounts tbody tr td").first).to_have_text(f"Siv {XSS}")
    page.get_by_role("link", name=f"Siv {XSS}").click()
    expect(page.locator("h1")).to_contain_text(f"Siv {XSS} (SiSc)")
    expect(page.locator("#field-family_name td").first).to_have_text(XSS)
    assert page.locator("main script").count() == 0
    assert dialogs == []


def test_the_new_pages_in_norwegian_and_swedish(site: Site) -> None:
    page = site.sign_in("kari", locale="nb-NO")
    page.get_by_role("link", name="Kontoer").click()
    expect(page.locator("h1")).to_have_text("Kontoer")
    expect(page.get_by_role("status")).to_have_text("16 kontoer funnet")
    page.get_by_role("link", name="Åse Ødegård").click()
    expect(page.locator("#field-email .origin")).to_contain_text("synkronisert fra nordby")
    screenshot(page, "account-nb")
    page.get_by_role("link", name="Svenska").click()
    expect(page.locator("#fields-h")).to_have_text("Fält och var de kom ifrån")
    page.get_by_role("link", name="Granskningslogg").click()
    expect(page.locator("h1")).to_have_text("Granskningslogg")
    expect(page.get_by_label("Vem")).to_be_visible()


def test_the_main_pages_fit_a_phone(site: Site) -> None:
    page = site.sign_in("kari")
    page.set_viewport_size({"width": 375, "height": 800})
    for path in main_pages(site):
        page.goto(f"{site.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    screenshot(page, "audit-phone")


def test_every_field_on_the_main_pages_has_a_label_under_the_strict_csp(site: Site) -> None:
    page = site.sign_in("kari")
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text))
    for path in ["/admin/sign-in", *main_pages(site)]:
        response = page.goto(f"{site.url}{path}")
        assert response is not None and response.status == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert page.evaluate(UNLABELLED) == [], path
    assert not [c for c in complaints if "Content Security Policy" in c]
