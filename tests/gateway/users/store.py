"""Read the store behind the `cli` fixture: what no command prints (local changes, hashes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.store import models as m
from gateway.store.db import make_engine, make_sessions


def rows(database_url: str, *columns: Any, where: Any = None) -> list[tuple[Any, ...]]:
    """The rows of a query on the store, in id order of the first column's table."""
    engine = make_engine(database_url, 30)
    try:
        with make_sessions(engine)() as session:
            query = select(*columns)
            if where is not None:
                query = query.where(where)
            return [tuple(r) for r in session.execute(query)]
    finally:
        engine.dispose()


def local_changes(database_url: str) -> list[tuple[str, str, str]]:
    """(action, origin, key) of the changes admins made, oldest first."""
    c = m.Change
    found = rows(database_url, c.id, c.action, c.origin, c.key, where=c.run_id.is_(None))
    return [(action, origin, key) for _, action, origin, key in sorted(found)]


def execute(database_url: str, statement: Any) -> None:
    """Change the store behind the CLI's back (what time or a client would do)."""
    engine = make_engine(database_url, 30)
    try:
        with make_sessions(engine).begin() as session:
            session.execute(statement)
    finally:
        engine.dispose()


def everything(database_url: str) -> str:
    """Every row of every table as text: to show a secret is nowhere in the store."""
    engine = make_engine(database_url, 30)
    try:
        with make_sessions(engine)() as session:
            tables = m.Base.metadata.sorted_tables
            return "\n".join(str(row) for t in tables for row in session.execute(select(t)))
    finally:
        engine.dispose()
