"""The per-source lock: runs of one source never apply at once, whoever started them.

On PostgreSQL it is a session advisory lock held on a connection of its own for the
whole run; the server drops it when that connection (or its process) goes. SQLite has a
single writer, and a plan made against a store that changed since is refused and made
again (``gateway.sync.run``), so there it is the store itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

# The first key of the advisory locks that stand for sources (the scheduler takes others).
SOURCE_LOCKS = 0x5243  # "RC"
# The lock a run holds from planning to commit: see ``write_lock``.
STORE_WRITES = (0x5244, 0)


@contextmanager
def source_lock(engine: Engine, source: str) -> Iterator[None]:
    """Hold the source's lock for the block, waiting for another run of it to end first."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        key = (SOURCE_LOCKS, func.hashtext(source))
        conn.execute(select(func.pg_advisory_lock(*key)))
        try:
            yield
        finally:
            conn.execute(select(func.pg_advisory_unlock(*key)))


def write_lock(session: Session) -> None:
    """Plan and apply alone, until the session's transaction ends (PostgreSQL).

    Every apply moves the store's one revision, so two runs of different sources cannot
    apply at once anyway: the second would find its plan stale and plan again. Waiting
    here instead, they read their feeds side by side and plan against a store at rest.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(*STORE_WRITES)))
