"""Large loads on PostgreSQL: foreign keys checked once, statistics refreshed after."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import IntegrityError

from gateway.store import bulk
from gateway.store import models as m
from gateway.store.writer import STALE_AFTER
from tests.support import databases
from tests.support.cli import Cli

HEADER = "Synkroniseringsnøkkel;Fornavn;Etternavn;Trinn;Klasse\n"


def _students(tmp_path: Path, count: int) -> Path:
    path = tmp_path / f"students-{count}.csv"
    rows = (f"{n};Elev{n};Etternavn{n};8;8A\n" for n in range(count))
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _estimated_rows(url: str, table: str) -> float:
    """The planner's row estimate for a table; -1 until it was first analyzed."""
    engine = create_engine(url)
    with engine.connect() as conn:
        sql = text("SELECT reltuples FROM pg_class WHERE relname = :t")
        estimate = float(conn.execute(sql, {"t": table}).scalar_one())
    engine.dispose()
    return estimate


@pytest.fixture
def pg_cli(
    postgres_admin_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[Cli, str]:
    """The CLI on a fresh PostgreSQL store, and that store's URL."""
    url = databases.postgres_copy(postgres_admin_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROSTERGATE_DATABASE_URL", url)
    return Cli(capsys), url


@pytest.mark.parametrize(("count", "analyzed"), [(STALE_AFTER, True), (10, False)])
def test_a_bulk_load_leaves_fresh_statistics(
    pg_cli: tuple[Cli, str], tmp_path: Path, count: int, analyzed: bool
) -> None:
    cli, url = pg_cli
    feed = _students(tmp_path, count)
    report = cli.json("import", feed, "--format", "csv", "--school", "Nordby", "--role", "elev")
    assert report["counts"]["accounts"]["created"] == count
    expected = {"accounts": count, "placements": count, "memberships": count}
    estimates = {table: _estimated_rows(url, table) for table in expected}
    if analyzed:
        assert estimates == expected
    else:  # a small run leaves the statistics to autovacuum
        assert estimates == {table: -1 for table in expected}


def _foreign_keys(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        sql = text(
            "SELECT conname FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = CAST(:t AS regclass)"
        )
        names = set(conn.execute(sql, {"t": table}).scalars())
    engine.dispose()
    return names


def test_a_large_load_puts_the_foreign_keys_back(
    pg_cli: tuple[Cli, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, url = pg_cli
    keys = {t: _foreign_keys(url, t) for t in ("accounts", "placements", "memberships")}
    assert keys["memberships"] == {
        "fk_memberships_account_id_accounts",
        "fk_memberships_group_id_groups",
    }
    monkeypatch.setattr(bulk, "CHECK_ONCE_FROM", 2)
    report = cli.json(
        "import", _students(tmp_path, 3), "--format", "csv", "--school", "N", "--role", "elev"
    )
    assert report["state"] == "applied"
    assert report["counts"]["memberships"]["created"] == 3
    assert {t: _foreign_keys(url, t) for t in keys} == keys


def test_a_row_breaking_a_foreign_key_fails_the_load(postgres_admin_url: str) -> None:
    url = databases.postgres_copy(postgres_admin_url)
    engine = create_engine(url)
    table = m.Membership.__table__
    row = {"account_id": 999, "group_id": 999, "role": "student", "origin": "sync"}
    with (
        pytest.raises(IntegrityError, match="fk_memberships_"),
        engine.begin() as conn,
        bulk.foreign_keys_checked_once(conn, table, bulk.CHECK_ONCE_FROM),
    ):
        conn.execute(insert(table), [row])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM memberships")).scalar_one() == 0
    engine.dispose()
    assert len(_foreign_keys(url, "memberships")) == 2
