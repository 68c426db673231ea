"""Pulls of a file by URL from an aiohttp server on loopback: ETag, unchanged, broken, retried."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from gateway.pull import pull
from gateway.store import models as m
from tests.gateway.pull.conftest import Gateway, ServerMaker
from tests.support.fixtures import EXTERNAL
from tests.support.packages import nordby

IMS = EXTERNAL / "ims" / "PIFU-IMS_SAS_eksempel.xml"


@dataclass
class Files:
    """What the file server serves, and what it was asked."""

    body: bytes = b""
    etag: bool = True
    fail: list[int] = field(default_factory=list)  # statuses of the next requests
    truncate: int = 0  # the next requests send only this many bytes, claiming all
    user: str = ""
    password: str = ""
    asked: list[dict[str, str]] = field(default_factory=list)


async def files_server(aiohttp_server: ServerMaker, files: Files) -> str:
    """An HTTP server serving ``files.body`` at /export/feed.xml (and /export/roster.zip)."""

    async def serve(request: web.Request) -> web.StreamResponse:
        files.asked.append(dict(request.headers))
        if files.user:
            pair = base64.b64encode(f"{files.user}:{files.password}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {pair}":
                return web.Response(status=401)
        if files.fail:
            return web.Response(status=files.fail.pop(0))
        tag = f'"{hashlib.sha256(files.body).hexdigest()[:16]}"'
        if files.etag and request.headers.get("If-None-Match") == tag:
            return web.Response(status=304)
        headers = {"ETag": tag} if files.etag else {}
        if files.truncate:
            response = web.StreamResponse(headers=headers)
            response.force_close()
            response.content_length = len(files.body)
            await response.prepare(request)
            await response.write(files.body[: files.truncate])
            files.truncate = 0
            return response  # the connection ends short of Content-Length
        return web.Response(body=files.body, headers=headers)

    app = web.Application()
    app.router.add_get("/export/{name}", serve)
    server = await aiohttp_server(app)
    return str(server.make_url("/export"))


def accounts(b: Gateway) -> int:
    """How many accounts B holds."""
    with b.sessions() as session:
        return session.scalar(select(func.count()).select_from(m.Account)) or 0


def run_state(b: Gateway, run: int) -> str:
    """A run's state in B."""
    with b.sessions() as session:
        return session.get_one(m.ImportRun, run).state


async def test_an_ims_file_by_url_is_pulled_once_then_unchanged(
    b: Gateway, aiohttp_server: ServerMaker
) -> None:
    files = Files(IMS.read_bytes(), user="vendor", password="pa55-word-xyz")
    root = await files_server(aiohttp_server, files)
    add = ("source", "add", "vigo", "--format", "ims", "--url", f"{root}/feed.xml")
    added = await asyncio.to_thread(
        b.run, *add, "--username", "vendor", "--password", "pa55-word-xyz", "--json"
    )
    assert added.code == 0, added.err
    assert added.json()["pull"]["secrets"] == ["password"]
    first = await asyncio.to_thread(b.run, "pull", "vigo", "--json")
    assert first.code == 0, first.err
    assert first.json()["state"] == "applied"
    assert accounts(b) == 4
    second = await asyncio.to_thread(b.run, "pull", "vigo")
    assert second.code == 0, second.err
    run = first.json()["run"]
    assert f"unchanged since run {run}; nothing imported" in second.out
    assert files.asked[-1]["If-None-Match"].startswith('"')
    shown = await asyncio.to_thread(b.run, "source", "show", "vigo", "--json")
    assert "pa55-word-xyz" not in first.out + second.out + shown.out + added.out
    full = await pull(b.sessions, b.config, "vigo", full=True)
    assert full.outcome == "queued"  # --full asks without conditions
    assert "If-None-Match" not in files.asked[-1]


async def test_a_server_without_etag_sends_the_same_file_unchanged(
    b: Gateway, aiohttp_server: ServerMaker
) -> None:
    files = Files(IMS.read_bytes(), etag=False)
    root = await files_server(aiohttp_server, files)
    b.configure("vigo", "ims", url=f"{root}/feed.xml")
    first = await pull(b.sessions, b.config, "vigo")
    await asyncio.to_thread(b.drain)
    again = await pull(b.sessions, b.config, "vigo", origin="schedule")
    assert (again.outcome, again.message) == ("unchanged", f"unchanged since run {first.run}")
    assert run_state(b, again.run) == "applied"
    with b.sessions() as session:
        issue = session.query(m.RunIssue).filter_by(run_id=again.run).one()
        assert (issue.severity, issue.code) == ("info", "pull_unchanged")
    files.body = files.body.replace(b"</enterprise>", b"\n</enterprise>")
    changed = await pull(b.sessions, b.config, "vigo")
    assert changed.outcome == "queued"


async def test_a_preview_leaves_the_etag_so_the_file_is_pulled_again(
    b: Gateway, aiohttp_server: ServerMaker
) -> None:
    files = Files(IMS.read_bytes())
    root = await files_server(aiohttp_server, files)
    b.configure("vigo", "ims", url=f"{root}/feed.xml")
    preview = await pull(b.sessions, b.config, "vigo", dry_run=True)
    await asyncio.to_thread(b.drain)
    assert run_state(b, preview.run) == "previewed" and accounts(b) == 0
    real = await pull(b.sessions, b.config, "vigo")
    assert real.outcome == "queued"
    await asyncio.to_thread(b.drain)
    assert run_state(b, real.run) == "applied" and accounts(b) == 4


async def test_a_broken_zip_is_tried_again_then_fails_and_writes_nothing(
    b: Gateway, aiohttp_server: ServerMaker, tmp_path: Path, waits: list[float]
) -> None:
    package = nordby().write(tmp_path / "package")
    body = Path(shutil.make_archive(str(tmp_path / "roster"), "zip", package)).read_bytes()
    files = Files(body, fail=[503])
    root = await files_server(aiohttp_server, files)
    b.configure("sis", "oneroster", url=f"{root}/roster.zip")
    files.truncate = len(body) // 2
    failed_then_ok = await pull(b.sessions, b.config, "sis")
    assert (failed_then_ok.outcome, failed_then_ok.attempts) == ("queued", 3)
    assert waits == [1.0, 2.0]
    await asyncio.to_thread(b.drain)
    people = accounts(b)
    assert people == 13

    files.body = body[: len(body) // 2]  # a zip cut short, served as if whole
    files.etag = False
    failed = await pull(b.sessions, b.config, "sis", full=True)
    assert failed.outcome == "failed" and "zip is broken" in failed.message
    assert run_state(b, failed.run) == "failed"
    assert accounts(b) == people
    assert len(list(Path(b.config.spool_dir).rglob("roster.zip"))) == 1  # no broken one kept


@pytest.mark.parametrize("status", [401, 404])
async def test_a_refused_file_fails_after_every_try(
    b: Gateway, aiohttp_server: ServerMaker, status: int
) -> None:
    files = Files(IMS.read_bytes(), fail=[status] * 3)
    root = await files_server(aiohttp_server, files)
    b.configure("vigo", "ims", url=f"{root}/feed.xml", token="bearer-s3cret")
    failed = await pull(b.sessions, b.config, "vigo")
    assert failed.outcome == "failed" and f"HTTP {status}" in failed.message
    assert files.asked[0]["Authorization"] == "Bearer bearer-s3cret"
    assert "bearer-s3cret" not in failed.message
