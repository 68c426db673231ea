"""Pulls from a OneRoster REST provider: gateway B pulls gateway A over HTTP on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gateway.pull import pull
from gateway.store import models as m
from tests.gateway.pull.conftest import Gateway, Provider
from tests.gateway.web.oneroster_world import load
from tests.gateway.web.test_oneroster_roundtrip import state
from tests.support.cli import Cli
from tests.support.packages import User, nordby


def cursor(b: Gateway, name: str = "a") -> str:
    """The delta cursor B keeps for source ``name``."""
    with b.sessions() as session:
        source = session.query(m.Source).filter_by(name=name).one()
        return str((source.pull_state or {}).get("cursor", ""))


async def test_b_pulls_a_full_then_delta_and_ends_the_same(
    b: Gateway, provider: Provider, cli: Cli, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    b.configure(
        "a",
        "oneroster-rest",
        url=provider.root,
        client_id="gateway-b",
        client_secret=provider.secret,
    )
    first = await pull(b.sessions, b.config, "a")
    assert first.outcome == "queued"
    assert cursor(b) == ""  # queued, not yet applied: the cursor waits
    await asyncio.to_thread(b.drain)
    with b.sessions() as session:
        assert session.get_one(m.ImportRun, first.run).state == "applied"
    assert state(b.sessions) == state(sessions)
    after_full = cursor(b)
    assert after_full

    await asyncio.sleep(1.1)  # SQLite keeps whole seconds in the change log
    world = nordby().without("P3").changed("P2", email="ola@nordby.no")
    world.users.append(User("P11", "Tiril", "Vik", email="p11@nordby.no"))
    world.enrollments.append(("P11", "8A", "student"))
    load(cli, tmp_path, world)
    delta = await pull(b.sessions, b.config, "a")
    await asyncio.to_thread(b.drain)
    with b.sessions() as session:
        assert session.get_one(m.ImportRun, delta.run).state == "applied"
    assert cursor(b) > after_full
    a_state, b_state = state(sessions), state(b.sessions)
    assert ("P11", "8A", "student", "active") in b_state["memberships"]
    assert b_state == a_state
