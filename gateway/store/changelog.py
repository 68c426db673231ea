"""The change log as the writer fills it: a row per created, updated and removed row.

Rows the writer queues go in with one bulk insert. Created memberships and guardian
links, a million of them in a large first import, are logged by the database itself,
straight from the rows just inserted, so they never pass through Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text

from gateway.store import bulk
from gateway.store import models as m
from gateway.store.bulk import Row
from gateway.sync.changes import CREATE_COLUMNS

COLUMNS = ("run_id", "entity", "row_id", "key", "action", "before", "after", "origin")
encode = json.JSONEncoder(default=str).encode  # dates as ISO strings
# Rows without a sync key, logged by the database: how their key is made, and which
# column each field of a create comes from (the fields as the plan names them).
LOGGED_IN_SQL = {
    "memberships": (
        "CAST(account_id AS TEXT) || '/' || CAST(group_id AS TEXT) || '/' || role",
        (("account", "account_id"), ("group", "group_id"), ("role", "role"),
         ("begin", "begin_date"), ("end", "end_date"), ("primary", "is_primary"),
         ("origin", "origin"), ("sync_key", "sync_key")),
    ),
    "guardian_links": (
        "CAST(guardian_id AS TEXT) || '>' || CAST(student_id AS TEXT)",
        (("guardian", "guardian_id"), ("student", "student_id")),
    ),
}  # fmt: skip


def created(
    entity: str, run_id: int, origin: str, rows: Iterable[tuple[int, str, Sequence[Any]]]
) -> Iterator[Row]:
    """A log row per created row, from (id, key, values in CREATE_COLUMNS order, no key)."""
    names = CREATE_COLUMNS[entity]
    names = names[1:] if names[0] == "key" else names
    for row_id, key, values in rows:
        after = encode(dict(zip(names, values, strict=True)))
        yield (run_id, entity, row_id, key, "create", None, after, origin)


def insert(conn: Connection, rows: list[Row]) -> None:
    """Insert log rows (tuples in COLUMNS order) in bulk."""
    table = m.Base.metadata.tables["changes"]
    with bulk.foreign_keys_checked_once(conn, table, len(rows)):
        bulk.insert(conn, table, COLUMNS, rows)


def insert_created(
    conn: Connection, entity: str, run_id: int, origin: str, after: int, count: int
) -> None:
    """Log the ``count`` rows of ``entity`` the run inserted past id ``after``, in SQL."""
    if not count:
        return
    key, fields = LOGGED_IN_SQL[entity]
    postgres = conn.dialect.name == "postgresql"
    values = ", ".join(f"'{name}', {_json_value(column, postgres)}" for name, column in fields)
    after_json = f"{'json_build_object' if postgres else 'json_object'}({values})"
    sql = (
        f"INSERT INTO changes ({', '.join(COLUMNS)}) "
        f"SELECT CAST(:run AS INTEGER), '{entity}', id, {key}, 'create', NULL, {after_json}, "
        f":origin FROM {entity} WHERE id > :after AND created_run_id = :run ORDER BY id"
    )
    table = m.Base.metadata.tables["changes"]
    with bulk.foreign_keys_checked_once(conn, table, count):
        conn.execute(text(sql), {"run": run_id, "origin": origin, "after": after})


def _json_value(column: str, postgres: bool) -> str:
    """A column as a JSON value in SQL: SQLite keeps booleans as 0 and 1."""
    if column != "is_primary" or postgres:
        return column
    return "CASE WHEN is_primary THEN json('true') WHEN NOT is_primary THEN json('false') END"
