"""The import wizard in a real headless Chromium: a PIFU-IMS file from the shared fixtures and
a CSV that needs a column mapped, end to end; the live progress bar on a size-M feed."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bench.generate import generate
from bench.sizes import SIZES
from gateway.store import column_maps
from gateway.store import models as m
from tests.gateway.web.admin.conftest import Site, screenshot
from tests.support.fixtures import EXTERNAL

PIFU = EXTERNAL / "ims" / "PIFU-IMS_SAS_eksempel.xml"
MOON = ("Måne kommune", "Måneflekken skole", "7", "7A")
CSV = "ID;Kallenavn;Etternavn;Klasse\n1;Ada;Berg;8A\n2;Bo;Dahl;8C\n"
BENCH = Path(__file__).parents[4] / "var" / "bench"  # generated once, reused (not committed)
WAIT = 120_000  # ms: a size-M preview on a busy machine


def _drop(page: Page, name: str, text: str) -> None:
    """Drop a file on the wizard's drop zone, as dragging it from the desktop does."""
    page.evaluate(
        """([name, text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], name, {type: "text/csv"}));
            const zone = document.querySelector(".dropzone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }""",
        [name, text],
    )


def _progress(page: Page) -> tuple[str, int] | None:
    """The wizard's progress bar's state and records read; None once the page has moved on."""
    script = """() => {
        const box = document.querySelector(".wizard-progress .progress");
        return box ? [box.dataset.state, Number(box.dataset.read)] : null;
    }"""
    try:
        found = page.evaluate(script)
    except PlaywrightError:  # the page reloads as the run settles
        return None
    return (found[0], found[1]) if found else None


def _finish(page: Page) -> None:
    """Press Finish and wait for the import's outcome, then open its review."""
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("status").filter(has_text="The import is applied.")).to_be_visible(
        timeout=WAIT
    )
    page.get_by_role("link", name="Review the run").click()
    expect(page.locator("h1")).to_contain_text("applied")


def test_a_pifu_ims_file_is_previewed_then_imported(site: Site) -> None:
    page = site.sign_in("kari")
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("Source").fill("pifu")
    page.locator("#file").set_input_files(PIFU)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#tree-h")).to_be_visible(timeout=WAIT)
    expect(page.locator(".facts-line")).to_contain_text("IMS Enterprise / PIFU-IMS XML")
    new = page.locator("ul.tree li.new")
    expect(new).to_have_count(6)
    for name in MOON:
        expect(new.filter(has_text=name).first).to_be_visible()
    accounts = page.locator("table.counts tr", has_text="accounts")
    expect(accounts.locator("td").first).to_have_text("4")  # Morten Stor is kept pending
    page.get_by_label("Severity").select_option("error")
    shown = page.locator("#issue-table tbody tr:visible")
    expect(shown).to_have_count(4)
    expect(shown.first).to_contain_text("unresolved_reference")
    expect(shown.first).to_contain_text("PIFU-IMS_SAS_eksempel.xml")
    expect(shown.first.locator("td").nth(3)).to_have_text("1328")
    page.get_by_label("Containing").fill("1738")  # a line number, a code, words: any cell
    expect(shown).to_have_count(1)
    expect(shown.locator("td").nth(3)).to_have_text("1738")
    page.get_by_label("Containing").fill("")
    page.get_by_label("Severity").select_option("")
    screenshot(page, "wizard-preview")
    with site.sessions() as session:
        assert session.scalars(select(m.Account).where(m.Account.username == "jannest")).all() == []

    _finish(page)
    with site.sessions() as session:
        names = set(session.scalars(select(m.Account.username)))
    assert {"jannest", "olanord"} <= names


def test_a_csv_with_a_column_to_map(site: Site) -> None:
    page = site.sign_in("kari")
    page.goto(f"{site.url}/admin/wizard")
    page.get_by_label("Source").fill("nordby-csv")
    _drop(page, "elever.csv", CSV)
    expect(page.locator(".dropzone .chosen")).to_have_text("elever.csv")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Which column holds what")
    expect(page.get_by_label("ID", exact=True)).to_have_value("sync_key")
    expect(page.get_by_label("Kallenavn")).to_have_value("")
    expect(page.get_by_text("make one from the name when it is empty or taken")).to_be_visible()
    page.get_by_label("School of rows that name none").fill("Nordby skole")
    page.get_by_label("Role of rows that name none").fill("elev")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_have_text("Choose a column for: given_name.")

    page.get_by_label("Kallenavn").select_option("given_name")
    page.get_by_label("Generate", exact=True).check()
    page.get_by_label("Save this mapping as").fill("Elevliste")
    screenshot(page, "wizard-columns")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#tree-h")).to_be_visible(timeout=WAIT)
    school = page.locator("ul.tree > li", has_text="Nordby skole").first
    expect(school).not_to_have_class("new")  # the school is there already, its classes are not
    expect(page.locator("ul.tree li.new")).to_have_text(["8ANEW", "8CNEW"])
    screenshot(page, "wizard-preview-csv")
    with site.sessions() as session:
        saved = column_maps.get(session, "Elevliste")
    assert (saved.columns["Kallenavn"], saved.usernames) == (["given_name"], "generate")

    _finish(page)
    with site.sessions() as session:
        made = set(
            session.scalars(select(m.Account.username).where(m.Account.sync_key.in_(["1", "2"])))
        )
    assert made == {"AdBe", "BoDa"}


def test_the_progress_bar_advances_on_a_size_m_feed(site: Site) -> None:
    feed = generate(SIZES["M"], 1, BENCH, ["ims"]).feeds["ims"].paths["base"]  # 24 MB
    page = site.sign_in("kari")
    page.goto(f"{site.url}/admin/wizard")
    page.get_by_label("Source").fill("bench")
    page.locator("#file").set_input_files(feed)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".wizard-progress .progress")).to_be_visible(timeout=WAIT)
    dashboard = site.sign_in("kari")
    expect(dashboard.locator("section[aria-labelledby=active-h] progress")).to_have_count(1)

    seen: list[int] = []
    deadline = time.monotonic() + WAIT / 1000
    while time.monotonic() < deadline and (now := _progress(page)) is not None:
        state, read = now
        if state not in ("queued", "running"):
            break
        if read and (not seen or read != seen[-1]):
            seen.append(read)
        if len(seen) == 2:
            screenshot(dashboard, "dashboard-progress")
        page.wait_for_timeout(50)
    assert len(seen) >= 2, seen  # the bar moved while the feed was read
    assert seen == sorted(seen)
    expect(page.locator("#tree-h")).to_be_visible(timeout=WAIT)
    expect(page.locator("table.counts tr", has_text="accounts").locator("td").first).to_have_text(
        "16,000"
    )
