"""Adding an account in a real headless Chromium: from the accounts page through the form
to the new account's page, its password shown once and gone on the next visit."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from gateway.store import models as m
from gateway.users import passwords
from tests.gateway.web.admin.conftest import Site, screenshot


def test_an_account_added_by_hand_shows_its_password_once(site: Site) -> None:
    page = site.sign_in("ola")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="Add an account").click()
    page.get_by_label("Given name").fill("Mia")
    page.get_by_label("Family name").fill("Müller")
    page.get_by_label("Profile").select_option("Staff")
    page.get_by_label("Place in the hierarchy").select_option("Nordby skole/8A")
    page.get_by_label("Birthday").fill("1990-05-17")
    page.get_by_label("Changing the password").select_option("must_change")
    screenshot(page, "account-add")
    page.get_by_role("button", name="Add the account").click()

    expect(page.locator("h1")).to_contain_text("Mia Müller (MiMu)")
    shown = page.locator(".made-password")
    expect(shown).to_contain_text("shown this once")
    password = re.search(r"Password: (\S+)", shown.inner_text())
    assert password
    expect(page.locator("dd.birthday")).to_have_text("1990-05-17")
    expect(page.locator("dd.password")).to_contain_text("must change it at first sign-in")
    expect(page.locator("dd.password")).not_to_contain_text(password[1])
    with site.sessions() as session:
        stored = session.scalars(select(m.Account).where(m.Account.username == "MiMu")).one()
        assert stored.password_hash and passwords.matches(stored.password_hash, password[1])
    screenshot(page, "account-added")

    page.reload()
    expect(page.locator("h1")).to_contain_text("Mia Müller (MiMu)")
    expect(page.locator(".made-password")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(password[1])
