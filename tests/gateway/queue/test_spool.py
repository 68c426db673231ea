"""A request body streams to a spool file under a size cap; over it, nothing is kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.config import Config
from gateway.queue import spool
from gateway.web.app import errors

ClientMaker = Callable[[Any], Awaitable[TestClient[Any, Any]]]
CAP = 100_000


async def spooler(aiohttp_client: ClientMaker, folder: Path) -> TestClient[Any, Any]:
    """A route that spools its body (named by ?name=) under the cap and says where.

    Its errors go through the gateway's error middleware, as the push route's do.
    """

    async def handle(request: web.Request) -> web.Response:
        name = request.query.get("name", "body")
        path = await spool.spool_stream(request.content, folder, CAP, name)
        return web.json_response({"path": str(path)})

    app = web.Application(middlewares=[errors])
    app.router.add_post("/", handle)
    return await aiohttp_client(app)


async def test_a_body_under_the_cap_is_kept_whole_under_its_name(
    aiohttp_client: ClientMaker, tmp_path: Path
) -> None:
    client = await spooler(aiohttp_client, tmp_path)
    body = b"x" * CAP
    response = await client.post("/?name=../../etc/elever.csv", data=body)
    path = Path((await response.json())["path"])
    assert path.name == "elever.csv"
    assert path.parent.parent == tmp_path
    assert path.read_bytes() == body


async def test_a_body_over_the_cap_is_refused_and_nothing_is_left(
    aiohttp_client: ClientMaker, tmp_path: Path
) -> None:
    client = await spooler(aiohttp_client, tmp_path)

    async def chunks() -> Any:
        for _ in range(20):
            yield b"y" * 10_000

    response = await client.post("/", data=chunks())
    assert response.status == 413
    assert (await response.json())["error"] == (
        "the body is larger than the limit of 100,000 bytes; nothing kept"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_spool_lies_in_the_data_directory_unless_configured(tmp_path: Path) -> None:
    beside = spool.directory(Config(data_dir=str(tmp_path / "data")))
    assert beside == tmp_path / "data" / "spool"
    assert beside.is_dir()
    configured = spool.directory(Config(spool_dir=str(tmp_path / "elsewhere")))
    assert configured == tmp_path / "elsewhere"


def test_a_folder_is_spooled_whole(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "users.csv").write_text("sourcedId\n", encoding="utf-8")
    copy = spool.spool_file(package, tmp_path / "spool")
    assert copy.name == "package"
    assert (copy / "users.csv").read_text(encoding="utf-8") == "sourcedId\n"
    spool.discard(copy)
    assert list((tmp_path / "spool").iterdir()) == []
