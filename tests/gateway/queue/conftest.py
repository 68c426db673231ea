"""Queue fixtures: a spool folder, and CSV feeds spooled and queued the way a push would."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.queue import enqueue, spool
from gateway.store import models as m

Enqueue = Callable[..., int]


def pupils_csv(
    folder: Path, rows: Sequence[tuple[str, str, str]], name: str = "elever.csv"
) -> Path:
    """A CSV feed of pupils (id, given name, family name) in ``folder``."""
    path = folder / name
    lines = ["ID;Fornavn;Etternavn", *(";".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    """The config a worker runs with: the test's store, a spool folder in the test's folder."""
    return Config(database_url=database_url, spool_dir=str(tmp_path / "spool"))


@pytest.fixture
def queue_feed(sessions: sessionmaker[Session], config: Config, tmp_path: Path) -> Enqueue:
    """Spool pupils' rows as a CSV feed of a source and queue it; return the run's id."""
    counter = iter(range(1, 1000))

    def add(source: str, rows: Sequence[tuple[str, str, str]], **options: object) -> int:
        folder = tmp_path / f"feed{next(counter)}"
        folder.mkdir()
        copy = spool.spool_file(pupils_csv(folder, rows), spool.directory(config))
        with sessions.begin() as session:
            return enqueue(
                session,
                source=source,
                fmt="csv",
                spool_path=copy,
                options={"school": "Nordby skole", "role": "elev", **options},
                origin="push",
            )

    return add


@pytest.fixture
def states(sessions: sessionmaker[Session]) -> Iterator[Callable[[], dict[int, str]]]:
    """Every run's state by id."""

    def read() -> dict[int, str]:
        with sessions() as session:
            rows = session.execute(select(m.ImportRun.id, m.ImportRun.state))
            return {run: state for run, state in rows}

    yield read
