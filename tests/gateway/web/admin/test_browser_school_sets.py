"""School settings beyond one school in a real browser: one change applied to several schools,
a school admin kept to their own, the defaults and a school to come's settings."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from gateway.local import preset_settings, settings_of
from gateway.store import models as m
from tests.gateway.web.admin.conftest import Site, screenshot


def _ids(site: Site) -> dict[str, int]:
    """The school nodes' ids by name."""
    with site.sessions() as session:
        query = select(m.Node.name, m.Node.id).where(m.Node.kind == "school")
        return {name: node_id for name, node_id in session.execute(query)}


def test_one_change_is_applied_to_several_schools(site: Site) -> None:
    page = site.sign_in("kari")
    page.get_by_role("link", name="Schools").click()
    page.get_by_role("link", name="Change several schools at once").click()
    page.get_by_label("Nordby skole").check()
    page.get_by_label("Sørby skole").check()
    page.get_by_label("Sync this school").select_option("false")
    page.get_by_label("Guardians from").fill("2027-08-15")
    screenshot(page, "schools-several")
    page.get_by_role("button", name="Apply to the schools chosen").click()
    expect(page.get_by_role("status")).to_have_text("Saved for Nordby skole, Sørby skole.")
    with site.sessions() as session:
        found = [settings_of(session, node) for node in _ids(site).values()]
    assert [(s.auto_sync, str(s.guardians_from), s.sync_students) for s in found] == [
        (False, "2027-08-15", True)
    ] * 2

    page.get_by_role("button", name="Apply to the schools chosen").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Choose at least one school and at least one change."
    )


def test_a_school_admin_applies_only_to_their_schools(site: Site) -> None:
    ids = _ids(site)
    page = site.sign_in("ola")
    page.goto(f"{site.url}/admin/schools/several")
    expect(page.locator("form.several fieldset").first.locator("label")).to_have_text(
        ["Nordby skole"]
    )
    expect(page.locator("main")).not_to_contain_text("Sørby")
    # a forged form naming Sørby skole too is refused whole
    page.evaluate(
        """id => { const box = document.querySelector('input[name=school]');
        const other = box.cloneNode(); other.value = id; other.checked = true;
        box.form.appendChild(other); }""",
        ids["Sørby skole"],
    )
    page.get_by_label("Nordby skole").check()
    page.get_by_label("Pupils' accounts").select_option("false")
    page.get_by_role("button", name="Apply to the schools chosen").click()
    expect(page.get_by_role("alert")).to_contain_text("ola may not change these schools' settings")
    with site.sessions() as session:
        assert all(settings_of(session, node).sync_students for node in ids.values())
    expect(page.get_by_role("link", name="Settings every new school starts with")).to_have_count(0)
    response = page.goto(f"{site.url}/admin/schools/defaults")
    assert response is not None and response.status == 403


def test_defaults_and_a_school_to_come(site: Site) -> None:
    page = site.sign_in("kari")
    page.get_by_role("link", name="Schools").click()
    page.get_by_role("link", name="Settings every new school starts with").click()
    expect(page.locator("h1")).to_have_text("Settings for new schools")
    page.get_by_label("Pupils' accounts").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")

    page.get_by_role("link", name="Schools").click()
    page.get_by_label("Keep settings for a school to come (its key or name)").fill("Østby skole")
    page.get_by_role("button", name="Open its settings").click()
    expect(page.locator("h1")).to_have_text("Settings for Østby skole, when it arrives")
    expect(page.get_by_label("Pupils' accounts")).not_to_be_checked()  # from the defaults
    page.get_by_label("Guardians from").fill("2027-01-04")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("link", name="Schools").click()
    expect(page.locator("ul.coming li")).to_have_text(["Østby skole"])
    with site.sessions() as session:
        defaults = preset_settings(session, "")
        coming = preset_settings(session, "Østby skole")
    assert defaults is not None and coming is not None
    assert (defaults.sync_students, defaults.guardians_from) == (False, None)
    assert (coming.sync_students, str(coming.guardians_from)) == (False, "2027-01-04")
