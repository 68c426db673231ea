"""Fixtures: a fresh store per test on SQLite and on a real PostgreSQL server, and the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.store.db import make_engine, make_sessions
from tests.support import databases, postgres
from tests.support.cli import Cli


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory for the whole run, so no test spools or stores under the home folder."""
    folder = tmp_path_factory.mktemp("data")
    before = os.environ.get("ROSTERGATE_DATA_DIR")
    os.environ["ROSTERGATE_DATA_DIR"] = str(folder)
    yield folder
    if before is None:
        del os.environ["ROSTERGATE_DATA_DIR"]
    else:
        os.environ["ROSTERGATE_DATA_DIR"] = before


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite file copied for each test."""
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run, with a migrated, seeded template database."""
    with postgres.server() as url:
        databases.postgres_template(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return databases.sqlite_copy(sqlite_template, tmp_path)
    return databases.postgres_copy(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite store (for tests that need only one database)."""
    return databases.sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh store."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the fresh store."""
    return make_sessions(engine)


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    """The `rostergate` CLI pointed at the fresh store, run from a temporary folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROSTERGATE_DATABASE_URL", database_url)
    monkeypatch.delenv("ROSTERGATE_CONFIG", raising=False)
    return Cli(capsys)
