"""The floors do the import's work and no more: the same rows per entity as the import's store."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import floor, stores
from bench.checks import store_rows
from bench.floor_read import TABLES
from bench.generate import FeedSet
from bench.phase import do_import

FORMATS = ["oneroster", "ims", "csv"]


def _import(fmt: str, path: Path, url: str) -> dict[str, int]:
    """Import a feed into the store as a bench phase does; the store's rows per entity."""
    output = do_import(argparse.Namespace(database=url, format=fmt, path=path))
    assert output["state"] == "applied" and not output["errors"], output
    return store_rows(stores.counts(url))


@pytest.fixture(params=["sqlite", "postgresql"])
def floor_dbs(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[stores.Databases, str]]:
    """A fresh database for the floor's bare tables, on either kind of server."""
    dbs: stores.Databases = stores.Sqlite(tmp_path)
    if request.param == "postgresql":
        dbs = stores.Postgres(request.getfixturevalue("postgres_admin_url"))
    url = dbs.create("floor_test")
    yield dbs, url
    dbs.drop(url)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_floors_leave_the_rows_the_import_leaves(
    fmt: str,
    feeds: FeedSet,
    sqlite_url: str,
    floor_dbs: tuple[stores.Databases, str],
) -> None:
    dbs, url = floor_dbs
    feed = feeds.feeds[fmt]
    base, changed = feed.paths["base"], feed.paths["changed"]
    for kind, path in [("insert", base), ("sync", base), ("sync", changed)]:
        store = _import(fmt, path, sqlite_url)
        left = floor.store_rows(floor.run(kind, fmt, path, dbs.raw(url)))
        assert left == store, (kind, path.name)
    assert store["memberships"] > 900 and store["placements"] > 0
    assert store["accounts"] > store["accounts_active"] or fmt == "csv"  # leavers expired


def _tables(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every bare table's rows, sorted."""
    with sqlite3.connect(path) as db:
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"')) for t in TABLES}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unchanged_floor_reads_and_writes_nothing(
    fmt: str, feeds: FeedSet, tmp_path: Path
) -> None:
    path, db = feeds.feeds[fmt].paths["base"], tmp_path / "floor.db"
    floor.run("insert", fmt, path, f"sqlite:///{db}")
    before = _tables(db)
    floor.run("sync", fmt, path, f"sqlite:///{db}")
    assert _tables(db) == before
    changed = floor.run("sync", fmt, feeds.feeds[fmt].paths["changed"], f"sqlite:///{db}")
    assert _tables(db) != before
    assert changed["accounts"]["total"] > len(before["accounts"])  # the joiners


def test_the_parse_floor_touches_no_database(feeds: FeedSet) -> None:
    parsed = floor.run("parse", "ims", feeds.feeds["ims"].paths["base"], "")
    assert parsed["accounts"]["total"] == 1_600
    assert parsed["memberships"]["total"] == feeds.summary["memberships"]
    assert parsed["guardian_links"]["total"] == feeds.summary["guardian_links"]
