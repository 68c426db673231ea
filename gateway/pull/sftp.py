"""Pull the newest file matching a pattern from an SFTP drop folder (asyncssh)."""

from __future__ import annotations

from pathlib import Path

from gateway.config import Config
from gateway.errors import UsageError
from gateway.pull.fetched import Fetched
from gateway.store.pulls import Target


async def fetch(config: Config, target: Target, folder: Path, full: bool) -> Fetched:
    """Not built yet."""
    raise UsageError("SFTP pulls are not built yet")
