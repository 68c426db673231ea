"""Pull a OneRoster REST provider: every collection downloaded into the spool first.

``oneroster.rest.download`` reads each collection to its end and writes its pages as a
OneRoster CSV package (bulk for a full pull, delta files for a delta one), kept with the
paging's issues (``Pulled.keep``) as a spool folder of format ``oneroster-rest``; the
worker reads it back (``read_kept``) with the CSV reader, issues naming REST collections.
A delta asks for ``filter=dateLastModified>'<cursor>'``; the cursor it reached moves onto
the source once its run is applied. Records served as ``tobedeleted`` are removals in a delta.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import aiohttp

from gateway.config import Config
from gateway.pull.fetched import Fetched
from gateway.pull.settings import secret
from gateway.queue import spool
from gateway.store.pulls import Target
from oneroster.columns import Version
from oneroster.endpoints import ROSTER
from oneroster.rest import KEPT_PACKAGE, PullOptions, download
from oneroster.restauth import OAuth2


def options(config: Config, target: Target, full: bool) -> PullOptions:
    """The client's options for this source: where, as whom, and since when."""
    settings: dict[str, Any] = target.settings
    version = cast(Version, settings.get("version", "1.2"))
    base = PullOptions(settings["url"], version).base
    auth = OAuth2(
        str(settings.get("token_url") or f"{base}/token"),
        str(settings["client_id"]),
        secret(config, settings, "client_secret"),
        str(settings.get("scope", ROSTER if version == "1.2" else "")),
    )
    since = "" if full else str(target.state.get("cursor", ""))
    # No retries inside: a failed request fails the try, and the pull tries again whole.
    return PullOptions(settings["url"], version, auth, since=since, retries=0)


async def fetch(config: Config, target: Target, folder: Path, full: bool) -> Fetched:
    """Download every collection into a new spool folder; FeedError when any cannot be read."""
    pull_options = options(config, target, full)
    path = spool.new_path(folder, f"{target.name}-oneroster-rest")
    (path / KEPT_PACKAGE).mkdir(parents=True)
    try:
        async with aiohttp.ClientSession() as session:
            pulled = await download(session, pull_options, path / KEPT_PACKAGE)
        pulled.keep(path)
    except BaseException:
        spool.discard(path)
        raise
    return Fetched(path, "oneroster-rest", {"cursor": pulled.cursor})
