"""Pulls from an SFTP drop folder served by asyncssh on loopback: pinned host key, done/."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import func, select

from gateway.pull import pull
from gateway.store import models as m
from tests.gateway.pull.conftest import Gateway
from tests.support.fixtures import EXTERNAL

IMS = EXTERNAL / "ims" / "PIFU-IMS_SAS_eksempel.xml"


@dataclass
class Drop:
    """An SFTP server on loopback: its port, host key, a user's key file, its drop folder."""

    port: int
    host_key: str
    user_key: Path
    root: Path

    @property
    def folder(self) -> Path:
        """The drop folder the vendor writes to."""
        return self.root / "drop"


@pytest.fixture
async def drop(tmp_path: Path) -> AsyncIterator[Drop]:
    """An asyncssh SFTP server, chrooted to a folder, letting in user ``vendor`` by key."""
    root = tmp_path / "sftp"
    (root / "drop").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    user_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "vendor_key"
    key_file.write_bytes(user_key.export_private_key())
    authorized = asyncssh.import_authorized_keys(user_key.export_public_key().decode())
    server = await asyncssh.listen(
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        authorized_client_keys=authorized,
        sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
    )
    port = server.sockets[0].getsockname()[1]
    yield Drop(port, host_key.export_public_key().decode().strip(), key_file, root)
    server.close()
    await server.wait_closed()


def put(drop: Drop, name: str, body: bytes, mtime: int) -> None:
    """A vendor drops a file, modified at ``mtime``."""
    path = drop.folder / name
    path.write_bytes(body)
    os.utime(path, (mtime, mtime))


def accounts(b: Gateway) -> int:
    """How many accounts B holds."""
    with b.sessions() as session:
        return session.scalar(select(func.count()).select_from(m.Account)) or 0


def add(drop: Drop, host_key: str) -> tuple[str, ...]:
    """`source add` of the drop folder."""
    return (
        "source", "add", "vigo", "--format", "ims", "--sftp-host", "127.0.0.1",
        "--sftp-port", str(drop.port), "--sftp-user", "vendor", "--sftp-key", str(drop.user_key),
        "--sftp-host-key", host_key, "--sftp-path", "/drop", "--pattern", "pifu-*.xml",
    )  # fmt: skip


async def test_the_newest_matching_file_is_pulled_then_moved_to_done(
    b: Gateway, drop: Drop
) -> None:
    body = IMS.read_bytes()
    put(drop, "pifu-1.xml", body, 1_700_000_000)
    put(drop, "pifu-2.xml", body, 1_700_000_100)
    put(drop, "other.xml", b"not this", 1_700_000_200)
    added = await asyncio.to_thread(b.run, *add(drop, drop.host_key), "--json")
    assert added.code == 0, added.err
    assert added.json()["pull"]["secrets"] == ["sftp_key"]
    assert drop.user_key.read_text() not in added.out

    first = await asyncio.to_thread(b.run, "pull", "vigo", "--json")
    assert first.code == 0, first.err
    assert first.json()["state"] == "applied" and accounts(b) == 4
    assert sorted(p.name for p in drop.folder.iterdir()) == ["done", "other.xml", "pifu-1.xml"]
    assert [p.name for p in (drop.folder / "done").iterdir()] == ["pifu-2.xml"]

    second = await pull(b.sessions, b.config, "vigo")
    assert second.outcome == "queued"  # the older one is next
    await asyncio.to_thread(b.drain)
    third = await pull(b.sessions, b.config, "vigo")  # moves pifu-1 to done/ first
    assert (third.outcome, third.message) == ("unchanged", f"unchanged since run {second.run}")
    assert sorted(p.name for p in (drop.folder / "done").iterdir()) == ["pifu-1.xml", "pifu-2.xml"]


async def test_a_wrong_host_key_is_refused_at_once(b: Gateway, drop: Drop) -> None:
    put(drop, "pifu-1.xml", IMS.read_bytes(), 1_700_000_000)
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    added = await asyncio.to_thread(b.run, *add(drop, other))
    assert added.code == 0, added.err
    result = await asyncio.to_thread(b.run, "pull", "vigo", "--json")
    assert result.code == 1
    report = result.json()
    assert report["state"] == "failed"
    assert report["issues"][0]["code"] == "pull_failed"
    assert (
        "did not show the pinned host key (sftp_host_key): refused"
        in report["issues"][0]["message"]
    )
    assert "after 1 try" in report["issues"][0]["message"]
    assert accounts(b) == 0 and (drop.folder / "pifu-1.xml").exists()
