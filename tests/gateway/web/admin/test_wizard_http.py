"""The import wizard over plain HTTP on SQLite and PostgreSQL: a CSV uploaded, a column
mapped and saved, the preview, Finish; the guard on its forms and drafts; scopes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins
from gateway.config import Config
from gateway.store import column_maps, runs, sources
from gateway.store import models as m
from gateway.store.snapshot import bump
from gateway.web.app import create_app
from tests.gateway.web.admin.test_http import sign_in
from tests.gateway.web.conftest import PASSWORD

ClientMaker = Callable[[Any], Awaitable[TestClient[Any, Any]]]
CSV = b"ID;Kallenavn;Etternavn;Klasse\n1;Ada;Berg;8A\n2;Bo;Dahl;8B\n"
SETTLED = ("applied", "previewed", "held", "failed")


@pytest.fixture
async def client(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> TestClient[Any, Any]:
    """The app with kari (site admin), ola (Nordby skole's) and sources nordby and sorby."""
    with sessions.begin() as session:
        admins.add(session, "kari", "site", [], PASSWORD)
        admins.add(session, "ola", "school", ["Nordby skole"], PASSWORD)
        sources.add(session, "nordby", "csv", ["Nordby skole"], {})
        sources.add(session, "sorby", "csv", ["Sørby skole"], {})
    config = Config(database_url=database_url, spool_dir=str(tmp_path / "spool"))
    return await aiohttp_client(create_app(config))


def upload_form(csrf: str, body: bytes, filename: str, source: str = "nordby") -> FormData:
    """The wizard's first form: the CSRF token first, then the source, format and file."""
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("source", source)
    form.add_field("format", "")
    form.add_field("file", body, filename=filename)
    return form


async def settled(sessions: sessionmaker[Session], run: int) -> m.ImportRun:
    """The run once the app's worker has finished it."""
    for _ in range(400):
        with sessions() as session:
            found = session.get_one(m.ImportRun, run)
        if found.state in SETTLED:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run} did not settle")


def selected(page: str) -> dict[str, str]:
    """The field chosen in each column's select of the column step."""
    found = {}
    for column, options in re.findall(r'<select id="(col-\d)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        if chosen:
            found[column] = chosen[1]
    return found


def _run_of(location: str) -> int:
    """The run a wizard page's address names."""
    found = re.fullmatch(r"/admin/wizard/runs/(\d+)", location)
    assert found, location
    return int(found[1])


async def test_a_csv_is_mapped_saved_previewed_and_imported(
    client: TestClient[Any, Any], sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(client, "kari")
    start = await client.get("/admin/wizard")
    assert '<option value="nordby">' in await start.text()
    sent = await client.post(
        "/admin/wizard", data=upload_form(csrf, CSV, "elever.csv"), allow_redirects=False
    )
    assert sent.status == 303, await sent.text()
    columns_url = sent.headers["Location"]
    assert columns_url.startswith("/admin/wizard/columns?draft=")
    page = await (await client.get(columns_url)).text()
    picked = selected(page)
    assert picked == {"col-0": "sync_key", "col-2": "family_name", "col-3": "class"}
    assert "Generate if empty or taken" in page and "Keep the file's usernames" in page

    draft = dict(re.findall(r'name="(draft|sig)" value="([^"]+)"', page))
    form = {"csrf": csrf, **draft, "source": "nordby", "col-0": "sync_key", "col-1": "",
            "col-2": "family_name", "col-3": "class", "school": "Nordby skole", "role": "elev",
            "usernames": "generate", "save_as": "Elevliste"}  # fmt: skip
    refused = await client.post("/admin/wizard/columns", data=form)
    assert refused.status == 400
    assert "Choose a column for: given_name." in await refused.text()

    form["col-1"] = "given_name"
    previewed = await client.post("/admin/wizard/columns", data=form, allow_redirects=False)
    assert previewed.status == 303, await previewed.text()
    preview = _run_of(previewed.headers["Location"])
    assert (await settled(sessions, preview)).state == "previewed"
    shown = await (await client.get(f"/admin/wizard/runs/{preview}")).text()
    assert re.search(r'<li class="new">Nordby skole<span class="badge">NEW</span>', shown)
    assert re.search(r'<li class="new">8A<span class="badge">NEW</span>', shown)
    assert "3 new nodes, marked NEW." in shown
    with sessions() as session:
        saved = column_maps.get(session, "Elevliste")
        assert (saved.columns["Kallenavn"], saved.usernames) == (["given_name"], "generate")
        assert session.scalars(select(m.Account)).all() == []

    done = await client.post(f"/admin/wizard/runs/{preview}/finish", data={"csrf": csrf},
                             allow_redirects=False)  # fmt: skip
    assert done.status == 303
    imported = await settled(sessions, _run_of(done.headers["Location"]))
    assert (imported.state, imported.dry_run, imported.origin) == ("applied", False, "upload")
    with sessions() as session:
        names = set(session.scalars(select(m.Account.username)))
        actions = list(session.scalars(select(m.AuditEntry.action).order_by(m.AuditEntry.id)))
    assert names == {"AdBe", "BoDa"}
    assert actions[-2:] == ["upload.preview", "upload.import"]
    final = await (await client.get(f"/admin/wizard/runs/{imported.id}")).text()
    assert f'href="/admin/runs/{imported.id}">Review the run' in final

    again = await client.get(columns_url.replace("&source=nordby", "") + "&mapping=Elevliste")
    assert selected(await again.text())["col-1"] == "given_name"


async def test_an_ims_file_goes_straight_to_its_preview(
    client: TestClient[Any, Any], sessions: sessionmaker[Session]
) -> None:
    from tests.gateway.web.test_push import IMS

    csrf = await sign_in(client, "kari")
    sent = await client.post("/admin/wizard", data=upload_form(csrf, IMS, "export.xml", "vigo"),
                             allow_redirects=False)  # fmt: skip
    assert sent.status == 303, await sent.text()
    run = await settled(sessions, _run_of(sent.headers["Location"]))
    assert (run.state, run.format, run.dry_run) == ("previewed", "ims", True)


async def test_the_guard_and_the_scopes_hold(
    client: TestClient[Any, Any], sessions: sessionmaker[Session]
) -> None:
    csrf = await sign_in(client, "ola")
    wrong = await client.post("/admin/wizard", data=upload_form("nope", CSV, "x.csv"))
    assert wrong.status == 403
    other = await client.post("/admin/wizard", data=upload_form(csrf, CSV, "x.csv", "sorby"))
    assert other.status == 403
    assert "ola may not upload a feed for source &#39;sorby&#39;" in await other.text()
    mine = await client.post(
        "/admin/wizard", data=upload_form(csrf, CSV, "x.csv"), allow_redirects=False
    )
    columns_url = mine.headers["Location"]
    assert (await client.get(columns_url)).status == 200

    await sign_in(client, "kari")  # another session may not use ola's draft
    assert (await client.get(columns_url)).status == 403
    with sessions() as session:
        assert session.scalars(select(m.ImportRun)).all() == []


async def _previewed(
    client: TestClient[Any, Any], sessions: sessionmaker[Session]
) -> tuple[str, m.ImportRun]:
    """An IMS file uploaded by kari and previewed: kari's CSRF token, the preview."""
    from tests.gateway.web.test_push import IMS

    csrf = await sign_in(client, "kari")
    sent = await client.post("/admin/wizard", data=upload_form(csrf, IMS, "export.xml", "vigo"),
                             allow_redirects=False)  # fmt: skip
    return csrf, await settled(sessions, _run_of(sent.headers["Location"]))


async def test_finish_applies_what_the_preview_showed_not_the_file_read_again(
    client: TestClient[Any, Any], sessions: sessionmaker[Session]
) -> None:
    csrf, preview = await _previewed(client, sessions)
    Path(preview.spool_path or "").write_bytes(b"<enterprise/>")  # read again, it makes nothing
    done = await client.post(f"/admin/wizard/runs/{preview.id}/finish", data={"csrf": csrf},
                             allow_redirects=False)  # fmt: skip
    assert done.status == 303, await done.text()
    imported = await settled(sessions, _run_of(done.headers["Location"]))
    assert (imported.state, imported.dry_run, imported.origin) == ("applied", False, "upload")
    assert imported.counts == preview.counts
    created = preview.counts["accounts"]["created"] if preview.counts else 0
    with sessions() as session:
        assert created > 0 and len(session.scalars(select(m.Account)).all()) == created
        actions = list(session.scalars(select(m.AuditEntry.action).order_by(m.AuditEntry.id)))
    assert actions[-2:] == ["upload.preview", "upload.import"]
    again = await client.post(f"/admin/wizard/runs/{preview.id}/finish", data={"csrf": csrf})
    assert again.status == 409  # the store moved on with it: that preview is spent


async def test_finish_refuses_a_preview_the_store_has_moved_on_from(
    client: TestClient[Any, Any], sessions: sessionmaker[Session]
) -> None:
    csrf, preview = await _previewed(client, sessions)
    with sessions.begin() as session:
        bump(session)  # as a local edit or another run does
    refused = await client.post(f"/admin/wizard/runs/{preview.id}/finish", data={"csrf": csrf})
    assert refused.status == 409
    assert "The store changed since the preview; preview again." in await refused.text()
    with sessions() as session:
        assert session.scalars(select(m.Account)).all() == []
        assert [r.id for r in session.scalars(select(m.ImportRun))] == [preview.id]


async def test_a_preview_too_large_to_keep_is_imported_again_only_while_current(
    client: TestClient[Any, Any], sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "PREVIEW_PLAN_LIMIT", 0)
    csrf, preview = await _previewed(client, sessions)
    assert preview.plan is None and preview.revision is not None
    with sessions.begin() as session:
        bump(session)
    refused = await client.post(f"/admin/wizard/runs/{preview.id}/finish", data={"csrf": csrf})
    assert refused.status == 409
    csrf, preview = await _previewed(client, sessions)
    done = await client.post(f"/admin/wizard/runs/{preview.id}/finish", data={"csrf": csrf},
                             allow_redirects=False)  # fmt: skip
    imported = await settled(sessions, _run_of(done.headers["Location"]))
    assert (imported.state, imported.counts) == ("applied", preview.counts)
