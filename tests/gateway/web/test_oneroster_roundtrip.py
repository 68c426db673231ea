"""Gateway B pulls gateway A's store from A's OneRoster provider over HTTP on loopback.

B uses the REST client (``oneroster.rest.open_pull``) and imports what it pulled
with the orchestrator as a OneRoster feed, full and then delta, and ends with the
same people, groups and memberships as A.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.store import models as m
from gateway.store.db import make_engine, make_sessions
from gateway.sync.run import run
from gateway.web.app import create_app
from oneroster.endpoints import SCOPE
from oneroster.rest import PullOptions, open_pull
from oneroster.restauth import OAuth2
from tests.gateway.web.oneroster_world import BASE, ROSTER, load, register
from tests.support import databases
from tests.support.cli import Cli
from tests.support.fixtures import EXTERNAL
from tests.support.packages import User, nordby

ServerMaker = Callable[[Any], Awaitable[TestServer]]


def people(session: Session) -> set[tuple[Any, ...]]:
    """Every account: key, names, username, e-mail, profile and status."""
    rows = session.execute(
        select(
            m.Account.sync_key,
            m.Account.given_name,
            m.Account.family_name,
            m.Account.username,
            m.Account.email,
            m.Profile.name,
            m.Account.status,
        ).join(m.Profile, m.Profile.id == m.Account.profile_id)
    )
    return {tuple(r) for r in rows}


def groups(session: Session) -> set[tuple[Any, ...]]:
    """Every group: key, name, kind, status, school and course."""
    school, course = aliased(m.Node), aliased(m.Group)
    rows = session.execute(
        select(m.Group.sync_key, m.Group.name, m.Group.kind, m.Group.status, school.sync_key)
        .outerjoin(school, school.id == m.Group.school_id)
        .add_columns(course.sync_key)
        .outerjoin(course, course.id == m.Group.course_id)
    )
    return {tuple(r) for r in rows}


def memberships(session: Session) -> set[tuple[Any, ...]]:
    """Every membership: account key, group key, role and status."""
    rows = session.execute(
        select(m.Account.sync_key, m.Group.sync_key, m.Membership.role, m.Membership.status)
        .join(m.Account, m.Account.id == m.Membership.account_id)
        .join(m.Group, m.Group.id == m.Membership.group_id)
    )
    return {tuple(r) for r in rows}


def nodes(session: Session) -> set[tuple[Any, ...]]:
    """Every node: key, name, kind, status and parent key."""
    parent = aliased(m.Node)
    rows = session.execute(
        select(m.Node.sync_key, m.Node.name, m.Node.kind, m.Node.status, parent.sync_key).outerjoin(
            parent, parent.id == m.Node.parent_id
        )
    )
    return {tuple(r) for r in rows}


def guardians(session: Session) -> set[tuple[Any, ...]]:
    """Every guardian link: guardian key, student key and status."""
    guardian, student = aliased(m.Account), aliased(m.Account)
    rows = session.execute(
        select(guardian.sync_key, student.sync_key, m.GuardianLink.status)
        .join(guardian, guardian.id == m.GuardianLink.guardian_id)
        .join(student, student.id == m.GuardianLink.student_id)
    )
    return {tuple(r) for r in rows}


def state(sessions: sessionmaker[Session]) -> dict[str, set[tuple[Any, ...]]]:
    """What must agree between A and B."""
    with sessions() as session:
        return {
            "people": people(session),
            "groups": groups(session),
            "memberships": memberships(session),
            "nodes": nodes(session),
            "guardians": guardians(session),
        }


@pytest.fixture
def store_b(tmp_path: Path, sqlite_template: Path) -> sessionmaker[Session]:
    """Gateway B's store (SQLite)."""
    folder = tmp_path / "b"
    folder.mkdir()
    engine = make_engine(databases.sqlite_copy(sqlite_template, folder))
    return make_sessions(engine)


async def test_b_pulls_a_full_then_delta_and_ends_the_same(
    aiohttp_server: ServerMaker,
    cli: Cli,
    database_url: str,
    sessions: sessionmaker[Session],
    store_b: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    load(cli, tmp_path)
    secret = register(cli, "gateway-b", ROSTER)
    server = await aiohttp_server(create_app(Config(database_url=database_url)))
    root = str(server.make_url("")).rstrip("/")
    auth = OAuth2(f"{root}{BASE}/token", "gateway-b", secret, SCOPE + ROSTER)

    def pull(since: str) -> tuple[str, str]:
        with open_pull(PullOptions(root, "1.2", auth, since=since, page_size=4)) as pulled:
            feed = Feed(pulled.folder, "oneroster", source="gateway-a")
            report = run(store_b, Config(), feed)
        return report.state, pulled.cursor

    outcome, cursor = await asyncio.to_thread(pull, "")
    assert outcome == "applied"
    a, b = state(sessions), state(store_b)
    assert len(a["people"]) == 13 and len(a["memberships"]) == 22 and len(a["guardians"]) == 2
    assert b == a

    await asyncio.sleep(1.1)  # SQLite keeps whole seconds in the change log
    world = nordby().without("P3").changed("P2", email="ola@nordby.no")
    world.users.append(User("P11", "Tiril", "Vik", email="p11@nordby.no"))
    world.enrollments.append(("P11", "8A", "student"))
    load(cli, tmp_path, world)
    outcome, later = await asyncio.to_thread(pull, cursor)
    assert outcome == "applied" and later > cursor
    a, b = state(sessions), state(store_b)
    assert ("P3", "Kari", "Lie", "KaLi", "p3@nordby.no", "Student", "expired") in a["people"]
    assert ("P11", "8A", "student", "active") in a["memberships"]
    assert b == a


async def test_b_pulls_a_store_fed_by_pifu_ims(
    aiohttp_server: ServerMaker,
    cli: Cli,
    database_url: str,
    sessions: sessionmaker[Session],
    store_b: sessionmaker[Session],
) -> None:
    """A school owner, departments, a class, subject groups without course or dates, guardians."""
    feed = EXTERNAL / "ims" / "PIFU-IMS_SAS_eksempel.xml"
    assert cli("import", str(feed), "--format", "ims", "--source", "vigo").code == 0
    secret = register(cli, "gateway-b", ROSTER)
    server = await aiohttp_server(create_app(Config(database_url=database_url)))
    root = str(server.make_url("")).rstrip("/")
    auth = OAuth2(f"{root}{BASE}/token", "gateway-b", secret, SCOPE + ROSTER)

    def pull() -> str:
        with open_pull(PullOptions(root, "1.2", auth)) as pulled:
            return run(store_b, Config(), Feed(pulled.folder, "oneroster", source="a")).state

    assert await asyncio.to_thread(pull) == "applied"
    a, b = state(sessions), state(store_b)
    assert (len(a["people"]), len(a["groups"]), len(a["memberships"])) == (4, 4, 4)
    for part in ("people", "groups", "memberships", "guardians"):
        assert b[part] == a[part], part
