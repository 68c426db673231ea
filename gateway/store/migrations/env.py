"""Alembic environment: runs migrations on the engine handed over by gateway.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from gateway.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url", "")
engine = config.attributes.get("engine") or create_engine(url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
