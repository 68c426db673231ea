"""Admins from the CLI: passwords as argon2 hashes, tokens shown once, schools as scopes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins, audit, scopes
from gateway.auth.scopes import Principal
from gateway.errors import Forbidden
from gateway.store import models as m
from tests.support.cli import Cli
from tests.support.packages import User, nordby

PASSWORD = "correct horse battery"


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The password arrives on standard input, as from a script."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))


@pytest.fixture
def two_schools(cli: Cli, tmp_path: Path) -> None:
    """Nordby skole (S1) and Sørby skole (S2), from a OneRoster package."""
    world = nordby(2)
    world.schools["S2"] = "Sørby skole"
    world.users.append(User("T2", "Siri", "Strand", "teacher", orgs="S2"))
    assert cli("import", world.write(tmp_path / "feed"), "--format", "oneroster").code == 0


@pytest.mark.usefixtures("typed")
def test_an_admin_is_added_with_a_hashed_password_and_can_sign_in(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    result = cli("admin", "add", "kari", "--role", "site")
    assert result.code == 0, result.err
    listed = cli.json("admin", "list")
    assert [{k: v for k, v in a.items() if k != "created_at"} for a in listed] == [
        {"username": "kari", "role": "site", "schools": [], "tokens": 0}
    ]
    with sessions.begin() as session:
        stored = session.scalar(select(m.Admin.password_hash))
        assert stored and stored.startswith("$argon2") and PASSWORD not in stored
        assert admins.sign_in(session, "kari", PASSWORD) == Principal("site", "kari")
        assert admins.sign_in(session, "kari", "wrong password!") is None
        assert admins.sign_in(session, "nobody", PASSWORD) is None
        assert [e["action"] for e in audit.entries(session)] == ["admin.add"]


def test_a_short_password_or_a_school_admin_without_schools_is_a_usage_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli("admin", "add", "kari", "--role", "site").code == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    result = cli("admin", "add", "ola", "--role", "school")
    assert result.code == 2 and "needs --schools" in result.err
    assert cli.json("admin", "list") == []


@pytest.mark.usefixtures("typed")
def test_a_token_is_shown_once_kept_as_a_hash_and_dies_with_its_admin(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    cli("admin", "add", "kari", "--role", "site")
    result = cli("admin", "token", "kari")
    token = result.out.strip()
    assert result.code == 0 and token.startswith("rga_") and len(token) > 40
    with sessions.begin() as session:
        assert session.scalar(select(m.AdminToken.token_hash)) != token
        assert admins.by_token(session, token) == Principal("site", "kari")
        assert admins.by_token(session, token + "x") is None
    assert cli("admin", "remove", "kari").code == 0
    with sessions.begin() as session:
        assert admins.by_token(session, token) is None
        assert session.scalars(select(m.AdminToken)).all() == []


@pytest.mark.usefixtures("typed", "two_schools")
def test_a_school_admin_reaches_only_their_schools(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    assert cli("admin", "add", "ola", "--role", "school", "--schools", "Nordby skole").code == 0
    with sessions.begin() as session:
        ids = {n.sync_key: n.id for n in session.scalars(select(m.Node))}
        ola = admins.principal(admins.get(session, "ola"))
        assert scopes.school_ids(session, ola) == {ids["S1"]}
        assert scopes.may_reach(session, ola, ids["S1"])
        assert not scopes.may_reach(session, ola, ids["S2"])
        assert not scopes.may_reach(session, ola, None)
        with pytest.raises(Forbidden, match="ola may not change settings"):
            scopes.require(session, ola, ids["S2"], "change settings")
        site = Principal("site", "kari")
        assert scopes.school_ids(session, site) is None and scopes.may_reach(session, site, None)


@pytest.mark.usefixtures("two_schools")
def test_a_school_named_by_key_path_or_name_is_in_scope(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        ids = {n.sync_key: n.id for n in session.scalars(select(m.Node))}
        for spec in ("S2", "Sørby skole", "sørby SKOLE"):
            assert scopes.school_ids(session, Principal("school", "x", (spec,))) == {ids["S2"]}
        later = Principal("source", "visma", ("Vestby skole",))
        assert scopes.school_ids(session, later) == frozenset()
