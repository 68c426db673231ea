"""Spool files: the input of a queued run, kept under the config's spool folder until it runs.

Each input gets a folder of its own, so it keeps its own name (the name its issues cite).
A request body streams to its file under a size cap; over the cap the partial file goes
and nothing is kept.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from aiohttp import StreamReader

from gateway.config import Config
from gateway.errors import GatewayError

CHUNK = 1 << 20


class TooLarge(GatewayError):
    """A body over the spool's size cap: nothing was kept (HTTP 413)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the body is larger than the limit of {max_bytes:,} bytes; nothing kept")
        self.max_bytes = max_bytes


def directory(config: Config) -> Path:
    """The spool folder (created): ``spool_dir``, by default ``spool`` in the data directory."""
    folder = Path(config.spool_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def new_path(folder: Path, name: str) -> Path:
    """A fresh path for an input called ``name`` (any folders in it dropped), in its own folder."""
    base = PurePosixPath(name.replace("\\", "/")).name
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"
    own = folder / stamp
    own.mkdir(parents=True)
    return own / (base if base not in ("", ".", "..") else "body")


async def spool_stream(
    content: StreamReader, directory: Path, max_bytes: int, name: str = "body"
) -> Path:
    """Write a request body to a new spool file, refusing (TooLarge) one over ``max_bytes``."""
    path = await asyncio.to_thread(new_path, directory, name)
    written = 0
    try:
        with path.open("wb") as fh:
            async for chunk in content.iter_chunked(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise TooLarge(max_bytes)
                await asyncio.to_thread(fh.write, chunk)
    except BaseException:
        await asyncio.to_thread(discard, path)
        raise
    return path


def spool_file(source: Path, directory: Path) -> Path:
    """Copy a local file or folder (a OneRoster package) into the spool; return the copy."""
    path = new_path(directory, source.name)
    if source.is_dir():
        shutil.copytree(source, path)
    else:
        shutil.copyfile(source, path)
    return path


def discard(path: Path) -> None:
    """Remove a spooled input and the folder it was given."""
    shutil.rmtree(path.parent, ignore_errors=True)
