"""Vendor push over real HTTP: a source posts its feed, the app's worker applies it, the
vendor reads back what became of it; strangers and other sources are refused."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.store import models as m
from gateway.store import sources
from gateway.web.app import create_app
from tests.ims.xmlfeed import feed, group, member, membership, person, role
from tests.support.packages import nordby

ClientMaker = Callable[[Any], Awaitable[TestClient[Any, Any]]]
CSV = b"ID;Fornavn;Etternavn\n1;Ada;Berg\n2;Bo;Dahl\n3;Cato;Lie\n"
CSV_QUERY = {"school": "Nordby skole", "role": "elev"}
IMS = feed(
    group("S1", "Nordby skole", typevalue="school"),
    group("8A", "8A", typevalue="class", parent="S1"),
    person("1001", "Ada", "Berg"),
    person("1002", "Bo", "Dahl"),
    membership("8A", member("1001", role("01")), member("1002", role("01"))),
)
DONE = ("applied", "previewed", "held", "failed")


@dataclass
class Vendors:
    """The app, and two sources with their push tokens: vigo (csv) and skolearena (ims)."""

    client: TestClient[Any, Any]
    sessions: sessionmaker[Session]
    tokens: dict[str, str]

    def bearer(self, source: str) -> dict[str, str]:
        """The Authorization header with ``source``'s push token."""
        return {"Authorization": f"Bearer {self.tokens[source]}"}

    async def push(self, source: str, body: Any, content_type: str = "", **query: str) -> Any:
        """POST a body to /push/{source} with its own token; the response."""
        headers = self.bearer(source) | ({"Content-Type": content_type} if content_type else {})
        return await self.client.post(f"/push/{source}", data=body, headers=headers, params=query)

    async def settled(self, source: str, run: int) -> dict[str, Any]:
        """The run's read-back once a worker has finished it."""
        for _ in range(400):
            reply = await self.client.get(f"/push/{source}/runs/{run}", headers=self.bearer(source))
            data: dict[str, Any] = await reply.json()
            if data["state"] in DONE:
                return data
            await asyncio.sleep(0.05)
        raise AssertionError(f"run {run} did not finish: {data}")

    def count(self, model: Any) -> int:
        """How many rows the store holds of ``model``."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


async def _vendors(
    aiohttp_client: ClientMaker,
    database_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    **config: Any,
) -> Vendors:
    """The app on a fresh store with sources vigo (csv) and skolearena (ims)."""
    with sessions.begin() as session:
        sources.add(session, "vigo", "csv", [], {})
        sources.add(session, "skolearena", "ims", [], {})
        tokens = {name: sources.issue_token(session, name) for name in ("vigo", "skolearena")}
    app = create_app(Config(database_url=database_url, spool_dir=str(tmp_path / "spool"), **config))
    return Vendors(await aiohttp_client(app), sessions, tokens)


@pytest.fixture
async def vendors(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> Vendors:
    """The app with sources vigo (csv) and skolearena (ims) and their tokens."""
    return await _vendors(aiohttp_client, database_url, sessions, tmp_path)


async def test_a_pushed_csv_is_queued_and_applied(vendors: Vendors) -> None:
    reply = await vendors.push("vigo", CSV, "text/csv", **CSV_QUERY)
    assert reply.status == 202
    queued = await reply.json()
    assert queued["state"] == "queued"
    assert queued["status"] == f"/push/vigo/runs/{queued['run']}"
    done = await vendors.settled("vigo", queued["run"])
    assert done["state"] == "applied", done
    assert done["counts"]["accounts"]["created"] == 3
    assert vendors.count(m.Account) == 3
    scraped = await (await vendors.client.get("/metrics")).text()
    assert f'rostergate_push_bytes_total{{source="vigo"}} {float(len(CSV))}' in scraped


async def test_a_pushed_ims_document_is_applied(vendors: Vendors) -> None:
    reply = await vendors.push("skolearena", IMS, "application/xml")
    assert reply.status == 202
    done = await vendors.settled("skolearena", (await reply.json())["run"])
    assert done["state"] == "applied", done
    assert vendors.count(m.Account) == 2
    with vendors.sessions() as session:
        names = set(session.scalars(select(m.Node.name)))
    assert names == {"Nordby skole", "8A"}


async def test_a_oneroster_zip_in_a_multipart_form_is_applied(
    vendors: Vendors, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session:
        sources.add(session, "ims-or", "oneroster", [], {})
        vendors.tokens["ims-or"] = sources.issue_token(session, "ims-or")
    package = nordby(3).write(tmp_path / "package")
    archive = Path(shutil.make_archive(str(tmp_path / "nordby"), "zip", package))
    form = FormData()
    form.add_field("file", archive.read_bytes(), filename="nordby.zip")
    reply = await vendors.client.post("/push/ims-or", data=form, headers=vendors.bearer("ims-or"))
    assert reply.status == 202, await reply.text()
    done = await vendors.settled("ims-or", (await reply.json())["run"])
    assert done["state"] == "applied", done
    counts = {entity: row["created"] for entity, row in done["counts"].items()}
    assert counts == {
        "accounts": 6,  # a teacher, 3 students and 2 guardians
        "nodes": 2,
        "groups": 3,
        "memberships": 8,
        "guardian_links": 2,
    }
    assert vendors.count(m.Account) == 6 and vendors.count(m.Membership) == 8


async def test_a_dry_run_push_previews_and_changes_nothing(vendors: Vendors) -> None:
    reply = await vendors.push("vigo", CSV, "text/csv", dry_run="1", **CSV_QUERY)
    done = await vendors.settled("vigo", (await reply.json())["run"])
    assert done["state"] == "previewed"
    assert done["counts"]["accounts"]["created"] == 3
    assert vendors.count(m.Account) == 0


async def test_no_token_a_wrong_one_and_another_sources_are_refused(vendors: Vendors) -> None:
    client = vendors.client
    for path in ("/push/vigo", "/push/vigo/runs", "/push/vigo/runs/1"):
        method = client.post if path == "/push/vigo" else client.get
        assert (await method(path)).status == 401
        wrong = {"Authorization": "Bearer rgp_not-a-token"}
        assert (await method(path, headers=wrong)).status == 401
        other = await method(path, headers=vendors.bearer("skolearena"))
        assert other.status == 403
        assert "error" in await other.json()
    unknown = await client.post("/push/nosuch", data=CSV, headers=vendors.bearer("vigo"))
    assert unknown.status == 403  # a real token, but not that (unknown) source's
    assert vendors.count(m.ImportRun) == 0


async def test_a_body_over_the_cap_is_refused_and_nothing_queued(
    aiohttp_client: ClientMaker,
    database_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    small = await _vendors(aiohttp_client, database_url, sessions, tmp_path, push_max_bytes=20)
    reply = await small.push("vigo", CSV, "text/csv", **CSV_QUERY)
    assert reply.status == 413
    assert "20 bytes" in (await reply.json())["error"]
    assert small.count(m.ImportRun) == 0
    assert not [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]


async def test_an_identical_push_is_not_read_again_and_changes_nothing(vendors: Vendors) -> None:
    first = (await (await vendors.push("vigo", CSV, "text/csv", **CSV_QUERY)).json())["run"]
    assert (await vendors.settled("vigo", first))["state"] == "applied"
    reply = await vendors.push("vigo", CSV, "text/csv", **CSV_QUERY)
    again = await reply.json()
    assert reply.status == 202
    assert again["identical_to"] == first and again["state"] == "applied"
    done = await vendors.settled("vigo", again["run"])
    assert done["counts"]["accounts"]["created"] == 0
    assert [i["code"] for i in done["issues"]] == ["identical_body"]
    assert f"identical to run {first}" in done["issues"][0]["message"]
    assert vendors.count(m.Account) == 3
    changed = CSV + b"4;Dina;Moe\n"
    third = (await (await vendors.push("vigo", changed, "text/csv", **CSV_QUERY)).json())["run"]
    assert (await vendors.settled("vigo", third))["counts"]["accounts"]["created"] == 1


async def test_read_back_is_paged_filtered_and_only_the_sources_own(vendors: Vendors) -> None:
    bad = CSV + b"4;;\n5;;\n6;Eva;\n"  # rows without a name: issues
    run = (await (await vendors.push("vigo", bad, "text/csv", **CSV_QUERY)).json())["run"]
    done = await vendors.settled("vigo", run)
    assert done["state"] == "applied" and done["issue_total"] == 3
    assert [(i["code"], i["key"], i["line"]) for i in done["issues"]] == [
        ("missing_field", "4", 5),
        ("missing_field", "5", 6),
        ("missing_field", "6", 7),
    ]
    total = done["issue_total"]
    url, headers = f"/push/vigo/runs/{run}", vendors.bearer("vigo")
    page = await (await vendors.client.get(url, headers=headers, params={"limit": "1"})).json()
    assert len(page["issues"]) == 1 and page["issue_total"] == total
    second = await vendors.client.get(url, headers=headers, params={"limit": "1", "offset": "1"})
    assert (await second.json())["issues"] == done["issues"][1:2]
    other = await vendors.client.get(url, headers=headers, params={"code": "out_of_scope"})
    assert (await other.json())["issue_total"] == 0
    errors = await vendors.client.get(url, headers=headers, params={"severity": "error"})
    assert (await errors.json())["issue_total"] == 3
    infos = await vendors.client.get(url, headers=headers, params={"severity": "info"})
    assert (await infos.json())["issues"] == []

    listed = await vendors.client.get("/push/vigo/runs", headers=headers)
    assert [r["run"] for r in await listed.json()] == [run]
    assert listed.headers["X-Total-Count"] == "1"
    theirs = await vendors.client.get("/push/skolearena/runs", headers=vendors.bearer("skolearena"))
    assert await theirs.json() == []
    hidden = await vendors.client.get(
        f"/push/skolearena/runs/{run}", headers=vendors.bearer("skolearena")
    )
    assert hidden.status == 404


async def test_a_retired_sources_token_no_longer_pushes(vendors: Vendors) -> None:
    run = (await (await vendors.push("vigo", CSV, "text/csv", **CSV_QUERY)).json())["run"]
    await vendors.settled("vigo", run)
    with vendors.sessions.begin() as session:
        assert sources.remove(session, "vigo") == "retired"
    reply = await vendors.push("vigo", CSV, "text/csv", **CSV_QUERY)
    assert reply.status == 401
    assert vendors.count(m.ImportRun) == 1


async def test_a_push_for_a_school_outside_the_sources_is_skipped_out_of_scope(
    vendors: Vendors,
) -> None:
    with vendors.sessions.begin() as session:
        sources.change(session, "vigo", schools=["Sørby skole"])
    reply = await vendors.push("vigo", CSV, "text/csv", **CSV_QUERY)
    done = await vendors.settled("vigo", (await reply.json())["run"])
    assert done["state"] == "applied", done
    assert [(i["code"], i["entity"], i["key"], i["skipped"]) for i in done["issues"]] == [
        ("out_of_scope", "accounts", "Nordby skole", 3),
        ("out_of_scope", "nodes", "Nordby skole", 1),
    ]
    assert vendors.count(m.Account) == 0


async def test_two_sources_push_at_once_and_one_pushing_twice_quickly_keeps_its_order(
    aiohttp_client: ClientMaker, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    vendors = await _vendors(aiohttp_client, database_url, sessions, tmp_path, workers=3)
    first = b"ID;Fornavn;Etternavn\n1;Ada;Berg\n2;Bo;Dahl\n"
    second = b"ID;Fornavn;Etternavn\n1;Ada;Strand\n3;Cato;Lie\n"  # Ada renamed after the first
    at_once = await asyncio.gather(
        vendors.push("vigo", first, "text/csv", **CSV_QUERY),
        vendors.push("skolearena", IMS, "application/xml"),
    )
    again = await vendors.push("vigo", second, "text/csv", **CSV_QUERY)
    assert [reply.status for reply in (*at_once, again)] == [202, 202, 202]
    vigo_first, arena, vigo_second = [(await r.json())["run"] for r in (*at_once, again)]
    assert vigo_first < vigo_second

    done = {
        run: await vendors.settled(source, run)
        for source, run in (("vigo", vigo_first), ("skolearena", arena), ("vigo", vigo_second))
    }
    assert {run: d["state"] for run, d in done.items()} == dict.fromkeys(done, "applied")
    with sessions() as session:
        names = session.execute(
            select(m.Source.name, m.Account.sync_key, m.Account.family_name).join(m.Source)
        ).all()
        finished = dict(session.execute(select(m.ImportRun.id, m.ImportRun.finished_at)).all())
    assert sorted(names) == [
        ("skolearena", "1001", "Berg"),
        ("skolearena", "1002", "Dahl"),
        ("vigo", "1", "Strand"),  # the second push came last, and was applied last
        ("vigo", "2", "Dahl"),
        ("vigo", "3", "Lie"),
    ]
    assert finished[vigo_first] < finished[vigo_second]
