"""POST /api/uploads over real HTTP: a feed spooled and queued as a preview or an import,
its format told from the file, options as `rostergate import` takes them, scope-checked
and audited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins
from gateway.config import Config
from gateway.store import column_maps, sources
from gateway.store import models as m
from gateway.web.app import create_app
from tests.gateway.web.conftest import PASSWORD
from tests.gateway.web.test_push import IMS

ClientMaker = Callable[[Any], Awaitable[TestClient[Any, Any]]]
# A CSV whose first-name column has a header the gateway does not know by itself.
CSV = b"ID;Kallenavn;Etternavn\n1;Ada;Berg\n2;Bo;Dahl\n"
COLUMNS = '[columns]\n"Kallenavn" = "given_name"\n'
DONE = ("applied", "previewed", "held", "failed")


@dataclass
class Uploads:
    """The app with kari (site admin) and ola (Nordby skole's admin), and their tokens."""

    client: TestClient[Any, Any]
    sessions: sessionmaker[Session]
    spool: Path
    tokens: dict[str, str]

    async def post(self, who: str, form: FormData | bytes, **query: str) -> Any:
        """POST /api/uploads as ``who``."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.client.post("/api/uploads", data=form, headers=headers, params=query)

    async def settled(self, run: int) -> dict[str, Any]:
        """The run's report once a worker has finished it."""
        headers = {"Authorization": f"Bearer {self.tokens['kari']}"}
        for _ in range(400):
            data: dict[str, Any] = await (
                await self.client.get(f"/api/runs/{run}", headers=headers)
            ).json()
            if data["state"] in DONE:
                return data
            await asyncio.sleep(0.05)
        raise AssertionError(f"run {run} did not finish: {data}")

    def count(self, model: Any) -> int:
        """How many rows of ``model`` the store holds."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
async def uploads(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> Uploads:
    """The app on a fresh store with sources nordby (Nordby skole's) and open (every school's)."""
    with sessions.begin() as session:
        admins.add(session, "kari", "site", [], PASSWORD)
        admins.add(session, "ola", "school", ["Nordby skole"], PASSWORD)
        tokens = {who: admins.issue_token(session, who) for who in ("kari", "ola")}
        sources.add(session, "nordby", "csv", ["Nordby skole"], {})
        sources.add(session, "sorby", "csv", ["Sørby skole"], {})
        sources.add(session, "open", "csv", [], {})
    spool = tmp_path / "spool"
    app = create_app(Config(database_url=database_url, spool_dir=str(spool)))
    return Uploads(await aiohttp_client(app), sessions, spool, tokens)


def form(body: bytes, filename: str, **fields: str) -> FormData:
    """A multipart form with one file and text fields."""
    data = FormData()
    for name, value in fields.items():
        data.add_field(name, value)
    data.add_field("file", body, filename=filename)
    return data


async def test_an_uploaded_csv_is_imported_with_its_columns_mapped(uploads: Uploads) -> None:
    sent = form(CSV, "elever.csv", school="Nordby skole", role="elev", columns=COLUMNS)
    reply = await uploads.post("kari", sent, source="nordby")
    assert reply.status == 202, await reply.text()
    queued = await reply.json()
    assert (queued["state"], queued["format"], queued["dry_run"]) == ("queued", "csv", False)
    assert queued["status"] == f"/api/runs/{queued['run']}"
    done = await uploads.settled(queued["run"])
    assert done["state"] == "applied", done
    assert done["counts"]["accounts"]["created"] == 2
    with uploads.sessions() as session:
        run = session.get_one(m.ImportRun, queued["run"])
        given = set(session.scalars(select(m.Account.given_name)))
        logged = session.scalars(select(m.AuditEntry)).all()
    assert (run.origin, run.file) == ("upload", "elever.csv")
    assert given == {"Ada", "Bo"}
    assert [(e.actor, e.action, e.target) for e in logged] == [
        ("kari", "upload.import", f"run {queued['run']}")
    ]
    assert logged[0].detail is not None and logged[0].detail["columns"] == {
        "Kallenavn": ["given_name"]
    }


async def test_a_saved_mapping_is_used_by_name(uploads: Uploads) -> None:
    with uploads.sessions.begin() as session:
        column_maps.save(session, "Elevliste", {"Kallenavn": ["given_name"]}, "generate", "kari")
    sent = form(CSV, "elever.csv", school="Nordby skole", role="elev", mapping="Elevliste")
    done = await uploads.settled(
        (await (await uploads.post("kari", sent, source="nordby")).json())["run"]
    )
    assert done["state"] == "applied", done
    with uploads.sessions() as session:
        run = session.get_one(m.ImportRun, done["run"])
        usernames = set(session.scalars(select(m.Account.username)))
    assert run.options is not None and run.options["usernames"] == "generate"
    assert usernames == {"AdBe", "BoDa"}


async def test_the_format_is_told_from_the_content_and_a_preview_changes_nothing(
    uploads: Uploads,
) -> None:
    reply = await uploads.post("kari", form(IMS, "export.txt"), source="skolearena", dry_run="1")
    assert reply.status == 202, await reply.text()
    queued = await reply.json()
    assert (queued["format"], queued["dry_run"]) == ("ims", True)
    done = await uploads.settled(queued["run"])
    assert done["state"] == "previewed", done
    assert done["counts"]["accounts"]["created"] == 2
    assert done["new_nodes"] == ["Nordby skole", "Nordby skole/8A"]
    assert uploads.count(m.Account) == 0


async def test_a_school_admin_uploads_only_for_a_source_of_their_schools(
    uploads: Uploads,
) -> None:
    for source in ("sorby", "open", "brand-new"):
        reply = await uploads.post("ola", form(CSV, "x.csv"), source=source)
        assert reply.status == 403, (source, await reply.text())
        assert "ola may not upload a feed for source" in (await reply.json())["error"]
    bare = await uploads.post("ola", b"")
    assert bare.status == 403
    assert uploads.count(m.ImportRun) == 0 and uploads.count(m.AuditEntry) == 0
    assert not any(uploads.spool.rglob("*.csv"))

    sent = form(CSV, "x.csv", school="Nordby skole", role="elev", columns=COLUMNS)
    reply = await uploads.post("ola", sent, source="nordby", dry_run="1")
    assert reply.status == 202, await reply.text()
    assert (await uploads.settled((await reply.json())["run"]))["state"] == "previewed"


@pytest.mark.parametrize(
    ("fields", "query", "error"),
    [
        ({}, {"format": "pdf"}, "format must be one of csv, ims, oneroster"),
        ({"columns": "[columns]\nX = 'nope'"}, {}, "unknown field(s): X = nope"),
        ({"mapping": "Missing"}, {}, "there is no saved column mapping 'Missing'"),
        ({"usernames": "random"}, {}, "usernames must be one of"),
    ],
)
async def test_bad_options_are_refused_and_nothing_is_queued(
    uploads: Uploads, fields: dict[str, str], query: dict[str, str], error: str
) -> None:
    reply = await uploads.post("kari", form(CSV, "x.csv", **fields), source="nordby", **query)
    assert reply.status in (400, 404), await reply.text()
    assert error in (await reply.json())["error"]
    assert uploads.count(m.ImportRun) == 0
    assert not any(uploads.spool.rglob("*.csv"))
