"""The web app answers every failure with a status and a JSON error, never a 500 traceback."""

from __future__ import annotations

import socket

from gateway.config import Config
from gateway.web.app import create_app
from tests.gateway.web.conftest import ClientMaker, Gateway


async def test_a_run_number_beyond_any_store_is_a_404(gateway: Gateway) -> None:
    for path in ("/api/runs/99999999999999999999999", "/api/runs/3000000000/changes"):
        response = await gateway.client.get(path, headers=gateway.bearer(gateway.site_token))
        assert response.status == 404
        assert "there is no run" in (await response.json())["error"]


async def test_an_unreachable_store_is_a_503(aiohttp_client: ClientMaker) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = Config(database_url=f"postgresql://rostergate@127.0.0.1:{port}/rostergate")
    client = await aiohttp_client(create_app(config))
    response = await client.get("/api/runs", headers={"Authorization": "Bearer rga_x"})
    assert response.status == 503
    assert await response.json() == {"error": "the store is unavailable; try again"}
