"""Fresh, migrated and seeded stores for tests: a copied SQLite file or a PostgreSQL clone."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway.store.db import make_engine
from gateway.store.seed import init

TEMPLATE = "rostergate_template"
_counter = itertools.count(1)


def sqlite_template(folder: Path) -> Path:
    """A SQLite file migrated to head and seeded, to copy for each test."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    init(engine)
    engine.dispose()
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    """A URL to a fresh copy of the template store."""
    target = folder / "store.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def postgres_template(admin_url: str) -> None:
    """Create the template database on the server, migrated and seeded."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    admin.dispose()
    engine = make_engine(make_url(admin_url).set(database=TEMPLATE).render_as_string(False))
    init(engine)
    engine.dispose()


def postgres_copy(admin_url: str) -> str:
    """A URL to a fresh database cloned from the template."""
    name = f"rostergate_test_{next(_counter)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)
