"""Bulk inserts at the driver: multi-row INSERTs on SQLite, COPY on PostgreSQL.

At a million rows, SQLAlchemy's per-row parameter handling costs more than the
database does; rows here go to the driver as plain tuples, in bounded chunks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.schema import AddConstraint, DropConstraint

CHUNK = 10_000
# Rows per SQLite INSERT statement (fewer when the columns would pass the variable limit):
# one statement of many rows costs a quarter less than as many one-row statements.
ROWS_PER_STATEMENT = 400
# From this many rows on, PostgreSQL checks a table's foreign keys once after the load.
CHECK_ONCE_FROM = 50_000
Row = tuple[Any, ...]


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """Consecutive lists of at most CHUNK rows."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Row]) -> None:
    """Insert rows (tuples in ``columns`` order) in the connection's transaction."""
    dbapi: Any = conn.connection.dbapi_connection
    cursor = dbapi.cursor()
    names = ", ".join(columns)
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            one = f"({', '.join('?' * len(columns))})"
            sql = f"INSERT INTO {table.name} ({names}) VALUES "
            per = max(1, min(ROWS_PER_STATEMENT, _variable_limit(dbapi) // len(columns)))
            many = sql + ", ".join([one] * per)
            for chunk in _chunks(rows):
                whole = len(chunk) - len(chunk) % per
                flat = (
                    tuple(chain.from_iterable(chunk[i : i + per])) for i in range(0, whole, per)
                )
                cursor.executemany(many, flat)
                cursor.executemany(sql + one, chunk[whole:])
    finally:
        cursor.close()


def _variable_limit(dbapi: Any) -> int:
    """How many ``?`` one SQLite statement may hold (999 before SQLite 3.32)."""
    return int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


@contextmanager
def foreign_keys_checked_once(conn: Connection, table: Table, rows: int) -> Iterator[None]:
    """Around a large load on PostgreSQL: drop the table's foreign keys, add them back after.

    Row by row, each key costs a lookup and a row lock in the table it points at: a
    million memberships took 12 s that way. Adding a key back checks every row in one
    join, well under a second, and fails the transaction if any row is wrong. The price
    is an exclusive lock on the table until the run commits, so only large loads pay it.
    """
    if conn.dialect.name != "postgresql" or rows < CHECK_ONCE_FROM:
        yield
        return
    keys = sorted(table.foreign_key_constraints, key=lambda fk: str(fk.name))
    for key in keys:
        conn.execute(DropConstraint(key))
    yield
    for key in keys:
        conn.execute(AddConstraint(key))


def ids_by_key(
    conn: Connection, table: Table, source_id: int | None, keys: set[str]
) -> dict[str, int]:
    """The ids rows of a source got, for the given sync keys."""
    query = select(table.c.id, table.c.sync_key).where(table.c.source_id == source_id)
    return {key: row_id for row_id, key in conn.execute(query) if key in keys}


def select_rows(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
    """Stream the rows of a query as plain tuples (``?`` placeholders on every database)."""
    dbapi: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        # A server-side cursor: a million rows stream in batches, not all at once.
        cursor = dbapi.cursor(name="rostergate_rows")
        cursor.itersize = CHUNK
        sql = sql.replace("?", "%s")
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql, params)
        yield from cursor
    finally:
        cursor.close()


def select_chunks(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[list[Row]]:
    """The rows of a query in lists of up to CHUNK, for consumers that work a list at a time."""
    rows = select_rows(conn, sql, params)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk
