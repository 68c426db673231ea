"""First-run contents: the store's revision row, the six default profiles and their roles."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from gateway.store import migrate
from gateway.store import models as m
from mapping.profiles import DEFAULT_PROFILES, role_key


def seed(session: Session) -> bool:
    """Add the defaults when the store is empty; return whether anything was added."""
    if session.scalar(select(func.count()).select_from(m.Profile)):
        return False
    session.execute(insert(m.Meta).values(id=1, revision=0))
    for profile, roles in DEFAULT_PROFILES:
        row = m.Profile(
            name=profile.name, security_level=profile.level, hierarchy_role=profile.hierarchy_role
        )
        session.add(row)
        session.flush()
        words = {role_key(r): r for r in roles}
        session.add_all(
            m.RoleMatch(source="", role=word, role_key=key, profile_id=row.id)
            for key, word in words.items()
        )
    return True


def init(engine: Engine) -> bool:
    """Create or migrate the schema and seed the defaults; return whether it seeded."""
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        return seed(session)
