"""Engine and session setup for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Bulk inserts hand dates to sqlite3 directly: store them the way SQLAlchemy's Date does.
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, lambda value: value.isoformat(" "))


def _sqlite_pragmas(busy_timeout: float, dbapi_conn: Any, _record: Any) -> None:
    """Turn on foreign keys and a write-ahead log on every SQLite connection."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # How long a write waits for another writer before "database is locked".
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    # 64 MB of page cache (the default is 2 MB): a million-row index stays in memory
    # while a run writes to it, instead of being read back page by page.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()
    # SQLite's own lower() knows only ASCII: searching "ødegård" would miss "Ødegård".
    dbapi_conn.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    """lower() as PostgreSQL has it: every letter, not only ASCII."""
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    """Create the engine for a database URL; a SQLite file's folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A file: URI (``?uri=true``, e.g. ``mode=ro``) names a file SQLite opens as told.
        if parsed.database and parsed.database != ":memory:" and "uri" not in parsed.query:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout))
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
