"""Pull the newest file matching a pattern from an SFTP drop folder (asyncssh).

The server's host key is pinned (``sftp_host_key``): any other key is refused, and the
pull fails at once. The file taken is the newest (by modification time, then name) of
those matching ``pattern``; once its run is applied it is moved to ``done/`` in the drop
folder (``settle``, called before every pull and after a CLI pull's run is applied), so
the next pull takes the next file. No new file: "unchanged".
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncssh

from gateway.config import Config
from gateway.pull.fetched import Fetched, PullError, Refused
from gateway.pull.settings import secret
from gateway.queue import spool
from gateway.store.pulls import Target

DONE = "done"
TIMEOUT = 30.0


@asynccontextmanager
async def _client(config: Config, settings: dict[str, Any]) -> AsyncIterator[asyncssh.SFTPClient]:
    """An SFTP session with the pinned server, as its user."""
    host = str(settings["sftp_host"])
    try:
        pinned = asyncssh.import_public_key(str(settings["sftp_host_key"]))
    except (asyncssh.KeyImportError, ValueError) as err:
        raise Refused(f"sftp_host_key is not a public key: {err}") from None
    auth: dict[str, Any] = {"password": secret(config, settings, "sftp_password") or None}
    if settings.get("sftp_key"):
        auth["client_keys"] = [asyncssh.import_private_key(secret(config, settings, "sftp_key"))]
    try:
        async with (
            asyncssh.connect(
                host,
                port=int(settings.get("sftp_port", 22)),
                username=str(settings["sftp_user"]),
                known_hosts=([pinned], [], []),
                connect_timeout=TIMEOUT,
                **auth,
            ) as connection,
            connection.start_sftp_client() as sftp,
        ):
            yield sftp
    except asyncssh.HostKeyNotVerifiable:
        raise Refused(
            f"the SFTP server {host} did not show the pinned host key (sftp_host_key): "
            "refused; nothing was pulled"
        ) from None
    except asyncssh.PermissionDenied as err:
        raise PullError(f"the SFTP server {host} refused the login: {err.reason}") from None
    except asyncssh.Error as err:
        raise PullError(f"SFTP {host}: {err}") from None


def _newest(names: Sequence[asyncssh.SFTPName], pattern: str) -> asyncssh.SFTPName | None:
    """The newest regular file whose name matches ``pattern``."""
    files = [
        n
        for n in names
        if n.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR
        and fnmatch.fnmatchcase(str(n.filename), pattern)
    ]
    return max(files, key=lambda n: (n.attrs.mtime or 0, str(n.filename)), default=None)


async def _settle(sftp: asyncssh.SFTPClient, folder: str, state: dict[str, Any]) -> None:
    """Move the file of the last applied pull, if still there, to ``done/``."""
    name = state.get("file")
    if not name:
        return
    here = posixpath.join(folder, str(name))
    if await sftp.exists(here):
        await sftp.makedirs(posixpath.join(folder, DONE), exist_ok=True)
        await sftp.rename(here, posixpath.join(folder, DONE, str(name)))


async def settle(config: Config, target: Target) -> None:
    """Move the file of the source's last applied pull to ``done/``."""
    async with _client(config, target.settings) as sftp:
        await _settle(sftp, str(target.settings["sftp_path"]), target.state)


async def fetch(config: Config, target: Target, folder: Path, full: bool) -> Fetched:
    """Download the newest matching file into the spool; Fetched(None) when there is none."""
    settings, remote = target.settings, str(target.settings["sftp_path"])
    async with _client(config, settings) as sftp:
        await _settle(sftp, remote, target.state)
        newest = _newest(await sftp.readdir(remote), str(settings.get("pattern") or "*"))
        if newest is None:
            return Fetched(None)
        name = str(newest.filename)
        path = spool.new_path(folder, name)
        try:
            await sftp.get(posixpath.join(remote, name), str(path))
        except BaseException:
            spool.discard(path)
            raise
    return Fetched(path, target.format, {"file": name, "mtime": newest.attrs.mtime})
