"""Migration username_fold: stored username keys fold diacritics, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select

from gateway.store import migrate
from gateway.store import models as m


def keys(engine: Engine) -> dict[str, str]:
    """Each account's username and its stored key."""
    with engine.connect() as conn:
        return dict(conn.execute(select(m.Account.username, m.Account.username_key)).all())


def before_fold(engine: Engine) -> str:
    """The revision just before username_fold, wherever it stands in the chain."""
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    down = script.get_revision("username_fold").down_revision
    assert isinstance(down, str)
    return down


def test_stored_keys_are_folded_and_clashes_are_left_alone(engine: Engine) -> None:
    command.downgrade(migrate.alembic_config(engine), before_fold(engine))
    with engine.begin() as conn:
        profile = conn.execute(select(m.Profile.id).limit(1)).scalar_one()
        conn.execute(
            insert(m.Account),
            [
                {"username": name, "username_key": name.casefold(), "given_name": "G",
                 "family_name": "F", "email": "", "profile_id": profile, "status": "active",
                 "local_fields": ""}
                for name in ("Åse", "Müller", "Muller", "ola")
            ],
        )  # fmt: skip
    migrate.upgrade(engine)
    assert keys(engine) == {"Åse": "ase", "Müller": "müller", "Muller": "muller", "ola": "ola"}
    command.downgrade(migrate.alembic_config(engine), before_fold(engine))
    assert keys(engine)["Åse"] == "åse"
    migrate.upgrade(engine)
