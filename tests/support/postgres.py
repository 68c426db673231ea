"""A throwaway PostgreSQL server for the test run, started from the machine's binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def bindir() -> Path:
    """The folder holding initdb and pg_ctl (on PATH, or Debian's versioned folder)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found; `make test` installs them")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(base: Path) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    if os.geteuid() != 0:
        return []
    shutil.chown(base, "postgres", "postgres")
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def server() -> Iterator[str]:
    """Start a server on a free loopback port; yield its admin URL; stop it after."""
    bins = bindir()
    base = Path(tempfile.mkdtemp(prefix="rostergate-pg-"))
    prefix = _as_server_user(base)
    data, port = base / "data", _free_port()
    subprocess.run(
        [
            *prefix,
            str(bins / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        [
            *prefix,
            str(bins / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)
