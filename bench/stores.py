"""Fresh databases for the benchmark (SQLite files or PostgreSQL databases) and store counts.

Every format gets a store of its own, and every floor a database of its own,
so no measurement sees another's rows. On PostgreSQL the databases are
created and dropped through an admin connection to the server ``--database``
names; the floor then runs on the same server.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url

from gateway.store.db import make_engine
from gateway.store.seed import init

_numbers = itertools.count(1)
# What the checks compare, one query each (they run after the phase, untimed).
GROUPED = {
    "accounts": "SELECT status, COUNT(*) FROM accounts GROUP BY status",
    "profiles": "SELECT p.name, COUNT(*) FROM accounts a JOIN profiles p "
    "ON p.id = a.profile_id GROUP BY p.name",
}
COUNTS = {
    "nodes": "SELECT COUNT(*) FROM nodes",
    "nodes_active": "SELECT COUNT(*) FROM nodes WHERE status = 'active'",
    "groups": "SELECT COUNT(*) FROM groups",
    "groups_active": "SELECT COUNT(*) FROM groups WHERE status = 'active'",
    # Removed memberships and links stay as rows, marked: the store holds the active ones.
    "memberships": "SELECT COUNT(*) FROM memberships WHERE status = 'active'",
    "guardian_links": "SELECT COUNT(*) FROM guardian_links WHERE status = 'active'",
    "placements": "SELECT COUNT(*) FROM placements WHERE status = 'active'",
}


class Databases(Protocol):
    """Makes and drops fresh databases of one kind."""

    kind: str

    def create(self, label: str) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        ...

    def drop(self, url: str) -> None:
        """Remove a database made by ``create``."""
        ...

    def copy(self, url: str, label: str) -> str:
        """A fresh database holding what ``url`` holds (nothing may be connected to it)."""
        ...

    def raw(self, url: str) -> str:
        """The URL the floor connects with (``sqlite:///path`` or a libpq URL)."""
        ...


class Sqlite:
    """SQLite files in a folder."""

    kind = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def create(self, label: str) -> str:
        path = self.folder / f"{label}-{next(_numbers)}.db"
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)

    def copy(self, url: str, label: str) -> str:
        target = self.create(label)
        source, path = url.removeprefix("sqlite:///"), target.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):
            if Path(source + suffix).is_file():
                shutil.copyfile(source + suffix, path + suffix)
        return target

    def raw(self, url: str) -> str:
        return url


class Postgres:
    """Databases on the server of an admin URL."""

    kind = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url)

    def create(self, label: str) -> str:
        name = f"rg_bench_{label}_{os.getpid()}_{next(_numbers)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def copy(self, url: str, label: str) -> str:
        name = f"rg_bench_{label}_{os.getpid()}_{next(_numbers)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def raw(self, url: str) -> str:
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        """Run one statement on the server outside a transaction."""
        import psycopg

        admin = self.raw(self.admin.render_as_string(hide_password=False))
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(statement)


def databases(url: str | None, folder: Path) -> Databases:
    """SQLite files in ``folder`` when no URL is given, else databases on its server."""
    if not url:
        return Sqlite(folder)
    if make_url(url).get_backend_name() != "postgresql":
        raise ValueError(f"--database takes a postgresql:// URL, not {url!r}")
    return Postgres(url)


def prepare(url: str) -> None:
    """Migrate and seed a fresh store, as ``rostergate init`` does (not measured)."""
    engine = make_engine(url)
    try:
        init(engine)
    finally:
        engine.dispose()


def counts(url: str) -> dict[str, Any]:
    """What the store holds, in the shape of the generator's expected store counts."""
    engine = make_engine(url)
    found: dict[str, Any] = {}
    try:
        with engine.connect() as db:
            for name, query in GROUPED.items():
                found[name] = {str(k): int(v) for k, v in sorted(db.execute(text(query)).all())}
            for name, query in COUNTS.items():
                found[name] = int(db.execute(text(query)).scalar_one())
    finally:
        engine.dispose()
    return found
