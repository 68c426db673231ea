"""A running run records how far it has come; the CLI's bar hears the same progress."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from gateway.cli.progress import Bar, bar_for
from gateway.config import Config
from gateway.feeds import Feed
from gateway.queue.worker import work_one
from gateway.store import models as m
from gateway.store import progress
from gateway.store.progress import RunProgress
from gateway.sync import run as sync
from gateway.sync.desired import collect, counted
from mapping.records import Person
from tests.gateway.queue.conftest import Enqueue
from tests.support.cli import Cli

PUPILS = 10_000


class Terminal(io.StringIO):
    """What a terminal receives."""

    def isatty(self) -> bool:
        return True


def progress_of(
    sessions: sessionmaker[Session], run: int
) -> tuple[str, str | None, int | None, int | None]:
    """A run's state, phase, records read and of how many."""
    with sessions() as session:
        row = session.get(m.ImportRun, run)
        assert row is not None
        return row.state, row.phase, row.records_read, row.records_total


def test_collect_counts_records_as_they_pass() -> None:
    heard: list[int] = []
    people = (Person(str(n), "Ada", f"Berg{n}") for n in range(2500))
    desired = collect(counted(people, heard.append))
    assert len(desired.persons) == 2500
    assert heard == [1000, 2000, 2500]


def test_a_new_phase_is_written_at_once_and_counts_at_most_every_interval(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        run = session.execute(insert(m.ImportRun).values(state="running")).inserted_primary_key[0]
    heard: list[tuple[str, int, int | None]] = []
    recorder = RunProgress(sessions, run, every=60, listener=lambda *a: heard.append(a))
    recorder("read", 0)
    recorder("read", 1000)
    assert progress_of(sessions, run) == ("running", "read", 0, None)
    recorder("plan", 2500, 2500)
    assert progress_of(sessions, run) == ("running", "plan", 2500, 2500)
    assert heard == [("read", 0, None), ("read", 1000, None), ("plan", 2500, 2500)]


def test_a_running_run_shows_its_phase_and_count(
    sessions: sessionmaker[Session],
    config: Config,
    queue_feed: Enqueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "WRITE_EVERY", 0.001)  # every tick: a count the test can see
    run = queue_feed("vigo", [(str(n), "Ada", f"Berg{n}") for n in range(PUPILS)])
    worker = threading.Thread(target=work_one, args=(sessions, config))
    worker.start()
    seen = set()
    while worker.is_alive():
        state, phase, read, total = progress_of(sessions, run)
        if state == "running" and phase and read:
            seen.add((phase, read, total))
        time.sleep(0.005)
    worker.join()
    counts = sorted(read for phase, read, total in seen if phase == "read" and total is None)
    assert counts and set(counts) <= {*range(1000, PUPILS + 1, 1000), PUPILS + 1}
    assert progress_of(sessions, run) == ("applied", "apply", PUPILS + 1, PUPILS + 1)


def test_the_bar_shows_phase_records_and_rate_on_a_terminal(
    sessions: sessionmaker[Session], config: Config, tmp_path: Path
) -> None:
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn\n1;Ada;Berg\n2;Bo;Li\n", encoding="utf-8")
    terminal = Terminal()
    bar = bar_for(False, terminal)
    assert isinstance(bar, Bar)
    options = {"school": "Nordby skole", "role": "elev"}
    report = sync.run(sessions, config, Feed(feed, "csv", "", options), progress=bar)
    bar.close()
    assert report.state == "applied"
    shown = terminal.getvalue().split("\r")
    assert [line.split()[0] for line in shown if line.strip()] == ["read", "plan", "apply"]
    assert "apply 3 records  (" in terminal.getvalue()
    assert shown[-1] == ""  # the line is cleared at the end


def test_no_bar_with_json_or_off_a_terminal() -> None:
    assert bar_for(True, Terminal()) is None
    assert bar_for(False, io.StringIO()) is None


@pytest.mark.usefixtures("database_url")
def test_an_import_piped_prints_no_bar(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn\n1;Ada;Berg\n", encoding="utf-8")
    result = cli("import", feed, "--school", "Nordby skole", "--role", "elev")
    assert (result.code, result.err) == (0, "")
