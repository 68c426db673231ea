"""A run whose process is gone is failed with the reason, and `discard` can clear it.

A real `rostergate import` runs in a subprocess and is killed with SIGKILL (or stopped
with Ctrl-C) once its run row appears; the feed is large enough to take seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from gateway.store import models as m
from gateway.store import owners
from gateway.store.db import make_engine, make_sessions
from tests.support.cli import Cli

ROWS = 40_000
CHILD = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from gateway.cli import main; sys.exit(main())"
)


@pytest.fixture
def big_feed(tmp_path: Path) -> Path:
    """A CSV feed that takes a few seconds to import."""
    path = tmp_path / "elever.csv"
    lines = ["ID;Fornavn;Etternavn;Klasse"] + [f"{i};Ada{i};Berg{i};{i % 50}A" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    """An engine on the test's store, to watch and seed run rows."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def start_import(database_url: str, feed: Path) -> subprocess.Popen[str]:
    """`rostergate import FEED` in a process of its own."""
    env = {**os.environ, "ROSTERGATE_DATABASE_URL": database_url}
    args = ["import", str(feed), "--school", "Nordby skole", "--role", "elev"]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=feed.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_running(store: Engine, process: subprocess.Popen[str]) -> int:
    """The id of the run the process started, once its row says ``running``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with store.connect() as conn:
            row = conn.execute(select(m.ImportRun.id, m.ImportRun.state)).first()
        if row is not None:
            assert row.state == "running"
            return int(row.id)
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("the run never started")


def add_run(store: Engine, **owner: object) -> int:
    """A run row in state ``running`` with these owner columns."""
    with store.begin() as conn:
        values = {"state": "running", "format": "csv", "file": "old.csv", **owner}
        return int(conn.execute(insert(m.ImportRun).values(values)).inserted_primary_key[0])


def test_a_killed_run_is_failed_by_runs(
    cli: Cli, database_url: str, store: Engine, big_feed: Path
) -> None:
    process = start_import(database_url, big_feed)
    run = wait_until_running(store, process)
    process.kill()
    process.communicate()
    assert cli.json("runs")[0]["state"] == "failed"
    report = cli.json("report", str(run))
    host = socket.gethostname()
    assert report["error"] == (
        f"interrupted: its process ({process.pid} on {host}) is gone; nothing was written"
    )
    assert cli.json("list", "accounts") == []


def test_a_killed_run_can_be_discarded(
    cli: Cli, database_url: str, store: Engine, big_feed: Path
) -> None:
    process = start_import(database_url, big_feed)
    run = wait_until_running(store, process)
    process.kill()
    process.communicate()
    discarded = cli.json("discard", str(run))
    assert (discarded["run"], discarded["state"]) == (run, "discarded")
    assert discarded["error"].startswith(f"interrupted: its process ({process.pid} on ")
    assert [r["state"] for r in cli.json("runs")] == ["discarded"]


def test_ctrl_c_fails_the_run_in_one_line(
    cli: Cli, database_url: str, store: Engine, big_feed: Path
) -> None:
    process = start_import(database_url, big_feed)
    run = wait_until_running(store, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert out == ""
    assert process.returncode == 130, err
    assert err == f"rostergate: interrupted; run {run} is recorded as failed; nothing was written\n"
    assert cli.json("report", str(run))["error"] == "interrupted"
    assert cli.json("list", "accounts") == []


def test_the_next_import_fails_a_run_whose_process_is_gone(
    cli: Cli, store: Engine, tmp_path: Path
) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    old = add_run(store, owner_host=socket.gethostname(), owner_pid=ended.pid)
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn\n1;Ada;Berg\n", encoding="utf-8")
    assert cli.json("import", feed, "--school", "Nordby skole", "--role", "elev")["state"] == (
        "applied"
    )
    assert cli.json("report", str(old))["state"] == "failed"


def test_a_run_whose_process_lives_stays_running(cli: Cli, store: Engine) -> None:
    run = add_run(store, owner_host=socket.gethostname(), owner_pid=os.getpid())
    assert cli.json("runs")[0]["state"] == "running"
    result = cli("discard", str(run))
    assert result.code == 2
    assert f"run {run} is still running (process {os.getpid()} on " in result.err
    assert cli.json("runs")[0]["state"] == "running"


def test_a_run_on_another_host_is_gone_when_its_heartbeat_stops(
    cli: Cli, store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROSTERGATE_HEARTBEAT_TIMEOUT", "60")
    silent = add_run(
        store,
        owner_host="replica-2",
        owner_pid=os.getpid(),
        heartbeat_at=owners.now() - timedelta(seconds=61),
    )
    beating = add_run(
        store, owner_host="replica-3", owner_pid=1, heartbeat_at=owners.now() - timedelta(seconds=5)
    )
    states = {r["run"]: r["state"] for r in cli.json("runs")}
    assert states == {silent: "failed", beating: "running"}
    assert cli.json("report", str(silent))["error"].startswith(
        "interrupted: no heartbeat from its process on replica-2 since "
    )


def test_a_running_process_beats(database_url: str, store: Engine) -> None:
    run = add_run(store, owner_host="here", owner_pid=1, heartbeat_at=owners.now())
    with store.begin() as conn:
        conn.execute(
            update(m.ImportRun)
            .where(m.ImportRun.id == run)
            .values(heartbeat_at=owners.now() - timedelta(hours=1))
        )
    with owners.heartbeat(make_sessions(store), run, every=0.05):
        time.sleep(0.5)
    with store.connect() as conn:
        beat = conn.scalar(select(m.ImportRun.heartbeat_at).where(m.ImportRun.id == run))
    assert beat is not None
    assert owners.now() - beat < timedelta(seconds=5)


def test_an_import_beating_often_still_applies(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Engine
) -> None:
    """The heartbeat writes beside the run's own transaction, without getting in its way."""
    monkeypatch.setenv("ROSTERGATE_HEARTBEAT_TIMEOUT", "0.04")  # a beat every 10 ms
    feed = tmp_path / "elever.csv"
    rows = [f"{i};Ada{i};Berg{i};{i % 20}A" for i in range(3000)]
    feed.write_text("ID;Fornavn;Etternavn;Klasse\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = cli.json("import", feed, "--school", "Nordby skole", "--role", "elev")
    assert (report["state"], report["counts"]["accounts"]["created"]) == ("applied", 3000)
    with store.connect() as conn:
        run = conn.execute(select(m.ImportRun).where(m.ImportRun.id == report["run"])).one()
    assert run.heartbeat_at > run.started_at
    assert (run.owner_host, run.owner_pid) == (socket.gethostname(), os.getpid())
