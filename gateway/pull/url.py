"""Pull a file by URL (IMS XML, a OneRoster zip, the gateway's CSV) over HTTP(S).

The request is conditional (``If-None-Match`` with the last applied pull's ETag,
``If-Modified-Since`` with its Last-Modified): a 304, or a body identical to the last
applied one, is "unchanged" and imports nothing. The body streams to the spool under the
push size cap; a body cut short, or a zip that does not open, fails the try.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import aiohttp
from yarl import URL

from gateway.config import Config
from gateway.pull.fetched import Fetched, PullError
from gateway.pull.settings import secret
from gateway.queue import spool
from gateway.store.pulls import Target

SUFFIX = {"ims": ".xml", "oneroster": ".zip", "csv": ".csv"}
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=30, sock_read=300)


def _headers(config: Config, target: Target, full: bool) -> dict[str, str]:
    """The request's credentials and, unless full, its conditions."""
    settings: dict[str, Any] = target.settings
    headers = {}
    if settings.get("username"):
        pair = f"{settings['username']}:{secret(config, settings, 'password')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    if settings.get("token"):
        headers["Authorization"] = f"Bearer {secret(config, settings, 'token')}"
    if not full and target.state.get("etag"):
        headers["If-None-Match"] = str(target.state["etag"])
    if not full and target.state.get("last_modified"):
        headers["If-Modified-Since"] = str(target.state["last_modified"])
    return headers


def _name(url: str, fmt: str, source: str) -> str:
    """The spooled file's name: the URL's last segment, else the source's with its suffix."""
    last = PurePosixPath(URL(url).path).name
    return last if "." in last else f"{source}{SUFFIX.get(fmt, '')}"


def _digest(path: Path) -> str:
    """The file's SHA-256, to tell an unchanged file from a server that ignores conditions."""
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _check_zip(path: Path) -> None:
    """A broken zip fails the try (it may be a download cut short)."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as err:
        raise PullError(f"the downloaded zip is broken: {err}") from None
    if bad is not None:
        raise PullError(f"the downloaded zip is broken: {bad} does not read back")


async def fetch(config: Config, target: Target, folder: Path, full: bool) -> Fetched:
    """Download the file into the spool; Fetched(None) when it has not changed."""
    url = str(target.settings["url"])
    headers = _headers(config, target, full)
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(url, headers=headers) as response,
    ):
        if response.status == 304:
            return Fetched(None)
        if response.status >= 400:
            raise PullError(f"{url} answered HTTP {response.status} {response.reason or ''}")
        name = _name(url, target.format, target.name)
        path = await spool.spool_stream(response.content, folder, config.push_max_bytes, name)
        state = {
            "etag": response.headers.get("ETag", ""),
            "last_modified": response.headers.get("Last-Modified", ""),
        }
    try:
        if target.format == "oneroster":
            await asyncio.to_thread(_check_zip, path)
        state["sha256"] = await asyncio.to_thread(_digest, path)
    except BaseException:
        spool.discard(path)
        raise
    if not full and state["sha256"] == target.state.get("sha256"):
        spool.discard(path)
        return Fetched(None)
    return Fetched(path, target.format, state)
