"""The admin UI served on loopback, a headless Chromium to drive it, and a small world of two
schools from two sources: Nordby skole (source ``nordby``) and Sørby skole (source ``sorby``)."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins
from gateway.config import Config
from gateway.feeds import Feed
from gateway.store.db import make_engine, make_sessions
from gateway.sync.run import run
from gateway.web.app import create_app
from tests.support.packages import User, World, nordby

PASSWORD = "correct horse battery"
XSS = "<script>alert(1)</script>"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parents[4] / "var" / "screenshots"
# `make screenshots` sets this to docs/screenshots: the README's pages are saved there too.
FOR_README = os.environ.get("ROSTERGATE_SCREENSHOTS")
README_PAGES = ("dashboard", "held-run", "wizard-preview", "profile-matrix", "accounts", "account")
README_WIDTH = 1200


class Served:
    """The whole web app on a free loopback port, in a thread with its own event loop."""

    def __init__(self, config: Config) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner = web.AppRunner(create_app(config))
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)

    async def _start(self) -> str:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving and close the loop."""
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@dataclass
class Site:
    """A served store with its two sources' runs, and a browser to look at it."""

    url: str
    sessions: sessionmaker[Session]
    config: Config
    folder: Path
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)

    def import_world(self, world: World, source: str, name: str) -> int:
        """Import a OneRoster package as one source; return its run id."""
        feed = Feed(world.write(self.folder / name), "oneroster", source, {})
        return run(self.sessions, self.config, feed).run

    def page(self, locale: str = "en-GB") -> Page:
        """A fresh browser tab (its own cookies), answering every confirm() with OK."""
        context = self.browser.new_context(locale=locale, viewport={"width": 1100, "height": 900})
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    def sign_in(self, username: str, locale: str = "en-GB") -> Page:
        """A tab signed in as an admin, on the dashboard."""
        page = self.page(locale)
        page.goto(f"{self.url}/admin/")
        page.locator("#username").fill(username)
        page.locator("#password").fill(PASSWORD)
        page.locator("form.narrow button").click()
        page.wait_for_url(f"{self.url}/admin/")
        return page


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as a test artifact under var/screenshots (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if FOR_README and name in README_PAGES:
        _for_readme(page.screenshot(), Path(FOR_README) / f"{name}.png")
    return path


def _for_readme(png: bytes, path: Path) -> None:
    """The visible part of a page, at most 1200 px wide, in 256 colours: a small PNG."""
    from PIL import Image  # only `make screenshots` needs it

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > README_WIDTH:
        height = round(image.height * README_WIDTH / image.width)
        image = image.resize((README_WIDTH, height), Image.Resampling.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(256).save(path, optimize=True)


def sorby() -> World:
    """Sørby skole: a teacher whose family name is a script tag, and two pupils in 9B."""
    world = World(schools={"S2": "Sørby skole"}, homerooms={"9B": ("9B", "S2")})
    world.users += [
        User("T9", "Siv", XSS, "teacher", orgs="S2"),
        User("Q1", "Lars", "Strand", orgs="S2"),
        User("Q2", "Mia", "Foss", orgs="S2"),
    ]
    world.enrollments += [("T9", "9B", "teacher"), ("Q1", "9B", "student"), ("Q2", "9B", "student")]
    return world


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A headless Chromium: the machine's own, driven by Playwright, never a downloaded one.

    Per test, not per session: Playwright's sync driver keeps its event loop current while
    it runs, which the asyncio tests that follow could not share.
    """
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def site(sqlite_url: str, tmp_path: Path, browser: Browser) -> Iterator[Site]:
    """Nordby and Sørby imported, kari a site admin and ola Nordby skole's admin, served."""
    config = Config(database_url=sqlite_url, spool_dir=str(tmp_path / "spool"))
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        admins.add(session, "kari", "site", [], PASSWORD)
        admins.add(session, "ola", "school", ["Nordby skole"], PASSWORD)
    served = Served(config)
    found = Site(served.url, sessions, config, tmp_path, browser)
    found.import_world(nordby(10), "nordby", "nordby-1")
    found.import_world(sorby(), "sorby", "sorby-1")
    yield found
    for context in found.contexts:
        context.close()
    served.stop()
    engine.dispose()
