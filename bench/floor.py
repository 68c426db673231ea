"""The floor: the least any importer of a feed must do, on this machine and database.

Three kinds, one per phase (``FLOOR_KINDS``):

- ``insert`` (an initial import): parse the file into the rows the import's
  store holds, entity by entity (``bench.floor_read``), and bulk-insert them into
  bare tables with the store's unique keys, in one transaction;
- ``sync`` (a re-import): parse the file, read back the columns the plan
  compares (a plain ``SELECT``), and write only what differs: new rows, changed
  rows, and, for a full snapshot, rows it left out marked inactive. Unchanged, that
  writes nothing; 1 % changed, it writes that 1 %;
- ``parse`` (the reader alone): parse the file into its entities.

Inserts use ``executemany`` on SQLite (with the store's WAL and synchronous=NORMAL
pragmas) and ``COPY`` through psycopg 3 on PostgreSQL. Runs in a process of its
own and imports nothing from the gateway.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from bench.floor_read import EXTRA_UNIQUE, FULL, READERS, TABLES, Entities, Key, Values

ACTIVE, INACTIVE = "active", "inactive"
Row = Sequence[str]
# phase → the kind of floor it is held against
FLOOR_KINDS = {
    "initial": "insert",
    "unchanged": "sync",
    "changed_1pct": "sync",
    "parse_only": "parse",
}


class Sink(Protocol):
    """Bare tables in one transaction."""

    def create(self, table: str, columns: Sequence[str], uniques: list[Sequence[str]]) -> None:
        """Create a table of text columns with unique keys."""
        ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Bulk-insert rows."""
        ...

    def select(self, table: str, columns: Sequence[str]) -> Iterable[Row]:
        """Every row's columns."""
        ...

    def update(
        self, table: str, columns: Sequence[str], keys: Sequence[str], rows: Sequence[Row]
    ) -> None:
        """Set ``columns`` where ``keys`` match: each row holds the new values, then the key."""
        ...

    def commit(self) -> None:
        """Commit the one transaction and close."""
        ...


def _table_sql(table: str, columns: Sequence[str], uniques: list[Sequence[str]]) -> str:
    """CREATE TABLE of text columns and unique constraints."""
    parts = [f"{c} TEXT NOT NULL" for c in columns]
    parts += [f"UNIQUE ({', '.join(u)})" for u in uniques]
    return f'CREATE TABLE "{table}" ({", ".join(parts)})'


def _update_sql(table: str, columns: Sequence[str], keys: Sequence[str], mark: str) -> str:
    """UPDATE of ``columns`` by key, with the database's parameter mark."""
    sets = ", ".join(f"{c} = {mark}" for c in columns)
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    return f'UPDATE "{table}" SET {sets} WHERE {where}'


class SqliteSink:
    """A SQLite file with the store's pragmas (WAL, synchronous=NORMAL)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("BEGIN")

    def create(self, table: str, columns: Sequence[str], uniques: list[Sequence[str]]) -> None:
        self.db.execute(_table_sql(table, columns, uniques))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        self.db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)

    def select(self, table: str, columns: Sequence[str]) -> Iterable[Row]:
        return self.db.execute(f'SELECT {", ".join(columns)} FROM "{table}"')

    def update(
        self, table: str, columns: Sequence[str], keys: Sequence[str], rows: Sequence[Row]
    ) -> None:
        self.db.executemany(_update_sql(table, columns, keys, "?"), rows)

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


class PostgresSink:
    """``COPY … FROM STDIN`` through psycopg 3; updates by ``executemany``."""

    def __init__(self, conninfo: str) -> None:
        import psycopg  # imported here: SQLite floors need not load it

        self.db = psycopg.connect(conninfo)
        self.cursor = self.db.cursor()

    def create(self, table: str, columns: Sequence[str], uniques: list[Sequence[str]]) -> None:
        self.cursor.execute(_table_sql(table, columns, uniques))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        with self.cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def select(self, table: str, columns: Sequence[str]) -> Iterable[Row]:
        return self.cursor.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall()

    def update(
        self, table: str, columns: Sequence[str], keys: Sequence[str], rows: Sequence[Row]
    ) -> None:
        self.cursor.executemany(_update_sql(table, columns, keys, "%s"), rows)

    def commit(self) -> None:
        self.db.commit()
        self.db.close()


def sink_for(url: str) -> Sink:
    """The sink for a database URL: ``sqlite:///path`` or a PostgreSQL URL."""
    if url.startswith("sqlite:///"):
        return SqliteSink(url.removeprefix("sqlite:///"))
    return PostgresSink(url)


def _columns(entity: str) -> tuple[Key, Values]:
    """An entity's key columns, and its value columns with the status last."""
    keys, values = TABLES[entity]
    return keys, (*values, "status")


def insert(sink: Sink, found: Entities) -> dict[str, dict[str, int]]:
    """Create the bare tables and insert every row, active."""
    counts = {}
    for entity, rows in found.items():
        keys, values = _columns(entity)
        extra = [(c,) for c in EXTRA_UNIQUE.get(entity, ())]
        sink.create(entity, (*keys, *values), [keys, *extra])
        sink.insert(entity, (*keys, *values), [(*k, *v, ACTIVE) for k, v in rows.items()])
        counts[entity] = {"total": len(rows), "active": len(rows)}
    return counts


def sync(sink: Sink, found: Entities, full: bool) -> dict[str, dict[str, int]]:
    """Read back what the plan compares, and write only what differs."""
    counts = {}
    for entity, rows in found.items():
        keys, values = _columns(entity)
        width = len(keys)
        stored = {tuple(r[:width]): tuple(r[width:]) for r in sink.select(entity, (*keys, *values))}
        new = [(*k, *v, ACTIVE) for k, v in rows.items() if k not in stored]
        changed = [
            (*v, ACTIVE, *k) for k, v in rows.items() if k in stored and stored[k] != (*v, ACTIVE)
        ]
        left = [k for k, was in stored.items() if k not in rows and was[-1] == ACTIVE]
        if entity == "placements":  # an expired account keeps its places, as the store does
            left = [k for k in left if (k[0],) in found["accounts"]]
        gone = [(INACTIVE, *k) for k in left] if full else []
        sink.insert(entity, (*keys, *values), new)
        sink.update(entity, values, keys, changed)
        sink.update(entity, ("status",), keys, gone)
        inactive = sum(1 for k, was in stored.items() if k not in rows and was[-1] != ACTIVE)
        total = len(stored) + len(new)
        counts[entity] = {"total": total, "active": total - inactive - len(gone)}
    return counts


def run(kind: str, fmt: str, path: Path, url: str) -> dict[str, dict[str, int]]:
    """Run one kind of floor over a feed; return the rows per entity it leaves (or parsed)."""
    found = READERS[fmt](path)
    if kind == "parse":
        return {e: {"total": len(r), "active": len(r)} for e, r in found.items()}
    sink = sink_for(url)
    counts = insert(sink, found) if kind == "insert" else sync(sink, found, FULL[fmt])
    sink.commit()
    return counts


def store_rows(counts: dict[str, Any]) -> dict[str, int]:
    """A floor's rows per entity as the store's counts name them (``bench.stores.counts``)."""
    return {
        "accounts": counts["accounts"]["total"],
        "accounts_active": counts["accounts"]["active"],
        "nodes": counts["nodes"]["total"],
        "nodes_active": counts["nodes"]["active"],
        "groups": counts["groups"]["total"],
        "groups_active": counts["groups"]["active"],
        "placements": counts["placements"]["active"],
        "memberships": counts["memberships"]["active"],
        "guardian_links": counts["guardian_links"]["active"],
    }
