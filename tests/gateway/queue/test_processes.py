"""Workers as real processes: killed mid-apply and restarted, and two sharing one PostgreSQL.

`rostergate serve` and `rostergate worker` run as subprocesses on the test's store.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.queue import enqueue, spool
from gateway.store import models as m
from gateway.store.db import make_engine, make_sessions
from tests.gateway.queue.conftest import pupils_csv
from tests.support import databases
from tests.support.cli import Cli

CHILD = "import sys; from gateway.cli import main; sys.exit(main())"
PUPILS = 40_000  # enough that apply takes a second or so: long enough to be killed in it


def rostergate(database_url: str, cwd: Path, *args: str, **settings: str) -> subprocess.Popen[str]:
    """`rostergate ARGS` in a process of its own, on the test's store (and config settings)."""
    env = {**os.environ, "ROSTERGATE_DATABASE_URL": database_url}
    env |= {f"ROSTERGATE_{key.upper()}": value for key, value in settings.items()}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    what: Callable[[], bool], process: subprocess.Popen[str], timeout: float = 120
) -> None:
    """Poll until ``what`` holds, failing if the process ends first."""
    deadline = time.monotonic() + timeout
    while not what():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    """An engine on the test's store, to watch run rows."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def run_row(store: Engine, run: int) -> m.ImportRun:
    """A run's row as it is now."""
    with make_sessions(store)() as session:
        row = session.get(m.ImportRun, run)
        assert row is not None
        return row


def classes_csv(folder: Path, pupils: int) -> Path:
    """A CSV of pupils in classes: accounts, class nodes, groups and memberships to apply."""
    path = folder / "elever.csv"
    rows = [f"{n};Ada{n};Berg{n};{n % 50}A" for n in range(pupils)]
    path.write_text("ID;Fornavn;Etternavn;Klasse\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_serve_killed_mid_apply_leaves_the_store_alone_and_the_next_serve_moves_on(
    cli: Cli, database_url: str, store: Engine, tmp_path: Path
) -> None:
    (tmp_path / "big").mkdir()
    options = ("--school", "Nordby skole", "--role", "elev", "--source", "vigo", "--queue")
    big = cli.json("import", classes_csv(tmp_path / "big", PUPILS), *options)["run"]
    small = cli.json("import", pupils_csv(tmp_path, [("1", "Ada", "Berg")]), *options)["run"]
    port = str(free_port())

    serve = rostergate(database_url, tmp_path, "serve", "--port", port)
    wait_for(lambda: run_row(store, big).phase == "apply", serve)
    serve.kill()
    serve.communicate()

    assert run_row(store, big).state == "running"  # nobody has looked yet
    with store.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.Account)) == 0
    restarted = rostergate(database_url, tmp_path, "serve", "--port", port)
    try:
        wait_for(lambda: run_row(store, small).state not in ("queued", "running"), restarted)
    finally:
        restarted.send_signal(signal.SIGTERM)
        _, err = restarted.communicate(timeout=60)
    assert restarted.returncode == 0, err

    assert run_row(store, small).state == "applied"
    failed = run_row(store, big)
    assert failed.state == "failed"
    assert failed.error == (
        f"interrupted: its process ({serve.pid} on {socket.gethostname()}) is gone; "
        "nothing was written"
    )
    assert [a["sync_key"] for a in cli.json("list", "accounts")] == ["1"]


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> str:
    """A fresh store on PostgreSQL."""
    return databases.postgres_copy(postgres_admin_url)


Queued = dict[int, tuple[str, range]]  # run id: its source, and the keys of its pupils


def queue_twenty(sessions: sessionmaker[Session], folder: Path) -> Queued:
    """Twenty runs of five sources, a thousand new pupils each, queued and spooled."""
    runs: Queued = {}
    for n in range(20):
        source, keys = f"register{n % 5}", range(n * 1000, n * 1000 + 1000)
        rows = [(str(k), "Ada", f"Berg{k}") for k in keys]
        (folder / str(n)).mkdir()
        copy = spool.spool_file(pupils_csv(folder / str(n), rows), folder / "spool")
        with sessions.begin() as session:
            run = enqueue(
                session,
                source=source,
                fmt="csv",
                spool_path=copy,
                options={"school": "Nordby skole", "role": "elev"},
            )
        runs[run] = (source, keys)
    return runs


def each_applied_once(
    sessions: sessionmaker[Session], runs: Queued, pids: set[int], said: list[str]
) -> None:
    """Every run applied, its pupils created once, by the given processes, in each
    source's arrival order."""
    with sessions() as session:
        rows = {r.id: r for r in session.scalars(select(m.ImportRun))}
        accounts = session.execute(select(m.Account.sync_key, m.Source.name).join(m.Source)).all()
    errors = {run: row.error for run, row in rows.items() if row.state != "applied"}
    states = {run: row.state for run, row in rows.items()}
    assert states == dict.fromkeys(runs, "applied"), (errors, said)
    assert {run: row.counts["accounts"]["created"] for run, row in rows.items() if row.counts} == (
        dict.fromkeys(runs, 1000)
    )
    assert sorted((int(key), name) for key, name in accounts) == sorted(
        (key, source) for source, keys in runs.values() for key in keys
    )
    assert {row.owner_pid for row in rows.values()} == pids
    for source in {s for s, _ in runs.values()}:  # one source's runs: in arrival order
        mine = sorted(run for run, (s, _) in runs.items() if s == source)
        finished = [rows[run].finished_at for run in mine]
        assert finished == sorted(finished)


def test_two_worker_processes_share_twenty_runs_each_applied_once(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    sessions: sessionmaker[Session] = make_sessions(engine)
    runs = queue_twenty(sessions, tmp_path)

    workers = [rostergate(postgres_url, tmp_path, "worker", "--drain") for _ in range(2)]
    said = []
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        said.append(err)

    each_applied_once(sessions, runs, {w.pid for w in workers}, said)
    engine.dispose()


def ready(port: int) -> bool:
    """Whether a `serve` on this port answers /readyz with 200 (its workers at work)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:  # not listening yet, or 503
        return False


def test_two_serve_processes_share_twenty_runs_each_applied_once(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    sessions: sessionmaker[Session] = make_sessions(engine)
    ports = [free_port(), free_port()]
    serves = [
        rostergate(postgres_url, tmp_path, "serve", "--port", str(port), workers="2")
        for port in ports
    ]

    def done() -> bool:
        with sessions() as session:
            states = session.scalars(select(m.ImportRun.state))
            return all(state not in ("queued", "running") for state in states)

    said = []
    try:
        for serve, port in zip(serves, ports, strict=True):  # both at work before any run
            wait_for(lambda: ready(port), serve)  # noqa: B023 - called before the loop moves on
        runs = queue_twenty(sessions, tmp_path)
        for serve in serves:
            wait_for(done, serve, timeout=300)
    finally:
        for serve in serves:
            serve.send_signal(signal.SIGTERM)
        for serve in serves:
            _, err = serve.communicate(timeout=60)
            said.append(err)
    assert [serve.returncode for serve in serves] == [0, 0], said

    each_applied_once(sessions, runs, {s.pid for s in serves}, said)
    engine.dispose()
