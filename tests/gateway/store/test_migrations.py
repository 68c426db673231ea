"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.store.seed import seed


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


def test_seed_adds_the_six_profiles_once(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        assert seed(session) is False  # the template store is already seeded
        profiles = session.execute(select(m.Profile.name, m.Profile.security_level)).all()
    assert sorted(profiles, key=lambda p: -p[1]) == [
        ("System administrator", 100),
        ("Administrator", 50),
        ("Staff", 30),
        ("Student", 20),
        ("Guardian", 12),
        ("Guest", 10),
    ]


def test_security_levels_are_unique(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(IntegrityError), session.begin():
        session.execute(
            insert(m.Profile).values(name="Teacher", security_level=30, hierarchy_role="teacher")
        )
