"""The profile matrix and the mapping review in a real browser: a value edited, a duplicate
security level refused with the message shown, a role's match changed in place."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from gateway.store import models as m
from gateway.store import profile_values
from tests.gateway.web.admin.conftest import Site, screenshot
from tests.support.packages import User, nordby


def _values(site: Site, profile: str) -> dict[str, object]:
    """A profile's values as the store gives them."""
    with site.sessions() as session:
        return profile_values.of_profiles(session)[profile]


def test_the_matrix_then_a_value_edited(site: Site) -> None:
    page = site.sign_in("kari")
    page.get_by_role("link", name="Profiles").click()
    expect(page.locator("h1")).to_have_text("Profiles")
    heads = page.locator("table.matrix thead th.profile")
    expect(heads).to_have_count(6)
    expect(heads.nth(0)).to_have_text("System administratorLevel 100")
    expect(heads.nth(5)).to_have_text("GuestLevel 10")
    quota = page.locator("tr[data-key=storage_quota_kb] td")
    expect(quota).to_have_text(["51,200 KB"] * 5 + ["0 KB"])
    courses = page.locator("tr[data-key=create_courses] td")
    expect(courses).to_have_text(["site", "site", "school", "none", "none", "none"])
    globals_ = page.locator("tr[data-key=global_settings] td .yes")
    expect(globals_).to_have_count(1)
    expect(page.locator("tr.section th").first).to_have_text("Basic")
    screenshot(page, "profile-matrix")

    page.get_by_role("link", name="Staff").click()
    expect(page.locator("h1")).to_have_text("Profile Staff")
    page.get_by_label("Sign out after inactivity").fill("60")
    page.get_by_label("Create courses").select_option("site")
    page.get_by_label("Internal messages").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Staff: auto_logout_min 80 -> 60")
    values = _values(site, "Staff")
    assert (values["auto_logout_min"], values["create_courses"], values["messaging"]) == (
        60,
        "site",
        False,
    )
    page.get_by_role("link", name="All profiles").click()
    expect(page.locator("tr[data-key=auto_logout_min] td").nth(2)).to_have_text("60 min")


def test_a_duplicate_security_level_is_refused_with_the_message_shown(site: Site) -> None:
    page = site.sign_in("kari")
    page.goto(f"{site.url}/admin/profiles")
    page.get_by_role("link", name="Staff").click()
    page.get_by_label("Security level").first.fill("50")
    page.get_by_label("Sign out after inactivity").fill("70")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text(
        "security level 50 is already Administrator's: each profile needs its own"
    )
    values = _values(site, "Staff")
    assert (values["security_level"], values["auto_logout_min"]) == (30, 80)  # nothing saved

    page.get_by_label("Name").fill("Vikar")
    page.locator("#copy-level").fill("20")
    page.get_by_role("button", name="Add profile").click()
    expect(page.get_by_role("alert")).to_have_text(
        "security level 20 is already Student's: each profile needs its own"
    )
    page.locator("#copy-level").fill("25")
    page.get_by_role("button", name="Add profile").click()
    expect(page.locator("h1")).to_have_text("Profile Vikar")
    assert _values(site, "Vikar")["security_level"] == 25


def test_a_role_is_mapped_in_place(site: Site) -> None:
    world = nordby(10)
    world.users.append(User("X1", "Per", "Vakt", "vaktmester"))
    site.import_world(world, "nordby", "nordby-2")
    page = site.sign_in("kari")
    page.get_by_role("link", name="Role mapping").click()
    first = page.locator("table.mapping tbody tr").first
    expect(first).to_have_attribute("data-role", "vaktmester")
    expect(first.locator("td.profile")).to_have_text("Unmapped")

    first.get_by_label("Profile for vaktmester").select_option("System administrator")
    first.get_by_role("button", name="Change").click()
    expect(page.get_by_role("alert")).to_have_text(
        "no roster role may give System administrator: it is the top profile (security level 100)"
    )
    row = page.locator("tr[data-role=vaktmester]")
    row.get_by_label("Profile for vaktmester").select_option("Staff")
    row.get_by_label("For which feeds").select_option("source")
    row.get_by_role("button", name="Change").click()
    expect(page.get_by_role("status")).to_have_text("vaktmester now gives Staff.")
    expect(page.locator("tr[data-role=vaktmester] td.profile")).to_have_text("Staff")
    screenshot(page, "role-mapping")
    with site.sessions() as session:
        query = select(m.RoleMatch.source, m.Profile.name).join(m.Profile)
        found = session.execute(query.where(m.RoleMatch.role == "vaktmester")).all()
    assert [tuple(r) for r in found] == [("nordby", "Staff")]


def test_a_school_admin_has_no_profiles(site: Site) -> None:
    page = site.sign_in("ola")
    expect(page.get_by_role("link", name="Profiles")).to_have_count(0)
    for path in ("/admin/profiles", "/admin/mapping"):
        response = page.goto(f"{site.url}{path}")
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("alert")).to_contain_text("site admins only")


def test_the_matrix_and_its_errors_in_norwegian(site: Site) -> None:
    page = site.sign_in("kari", locale="nb-NO")
    page.get_by_role("link", name="Profiler").click()
    expect(page.locator("table.matrix thead th.profile").first).to_have_text(
        "System administratorNivå 100"
    )
    expect(page.locator("tr.section th").first).to_have_text("Grunnleggende")
    expect(page.locator("tr[data-key=storage_quota_kb] th")).to_have_text("Lagringskvote")
    expect(page.locator("tr[data-key=create_courses] td")).to_have_text(
        ["nettsted", "nettsted", "skole", "ingen", "ingen", "ingen"]
    )
    screenshot(page, "profile-matrix-nb")
    page.get_by_role("link", name="Staff").click()
    page.get_by_label("Sikkerhetsnivå").first.fill("50")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("alert")).to_have_text(
        "sikkerhetsnivå 50 tilhører allerede Administrator: hver profil må ha sitt eget"
    )
