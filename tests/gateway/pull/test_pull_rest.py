"""Pulls from a OneRoster REST provider: gateway B pulls gateway A over HTTP on loopback."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
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
        run = session.get_one(m.ImportRun, first.run)
        assert (run.state, run.format, run.origin) == ("applied", "oneroster-rest", "cli")
        kept = Path(run.spool_path or "")
    assert state(b.sessions) == state(sessions)
    after_full = cursor(b)
    assert after_full
    again = b.run("import", str(kept), "--format", "oneroster-rest", "--source", "a", "--json")
    assert again.code == 0, again.err
    assert again.json()["state"] == "applied"  # the kept pull runs again: nothing to change
    assert all(not c["created"] and not c["expired"] for c in again.json()["counts"].values())

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


def rest_source(b: Gateway, provider: Provider) -> None:
    """B's source ``a``: A's provider."""
    b.configure(
        "a",
        "oneroster-rest",
        url=provider.root,
        client_id=provider.client_id,
        client_secret=provider.secret,
    )


def runs_of(b: Gateway) -> list[tuple[int, str, str]]:
    """B's runs: id, state, origin."""
    with b.sessions() as session:
        rows = session.query(m.ImportRun.id, m.ImportRun.state, m.ImportRun.origin)
        return [tuple(r) for r in rows.order_by(m.ImportRun.id)]  # type: ignore[misc]


async def test_a_500_on_page_3_fails_the_run_and_leaves_store_and_cursor(
    b: Gateway,
    provider: Provider,
    cli: Cli,
    tmp_path: Path,
    waits: list[float],
) -> None:
    rest_source(b, provider)
    await pull(b.sessions, b.config, "a")
    await asyncio.to_thread(b.drain)
    before, kept = state(b.sessions), cursor(b)
    await asyncio.sleep(1.1)
    load(cli, tmp_path, nordby().without("P3"))
    provider.faults.fail_read = 3
    failed = await pull(b.sessions, b.config, "a", origin="schedule")
    assert failed.outcome == "failed" and failed.attempts == 3
    assert "HTTP 500" in failed.message or "500" in failed.message
    assert waits == [1.0, 2.0]  # backoff: pull_backoff_seconds, doubled
    assert runs_of(b)[-1] == (failed.run, "failed", "schedule")
    await asyncio.to_thread(b.drain)
    assert state(b.sessions) == before
    assert cursor(b) == kept
    with b.sessions() as session:
        issue = session.query(m.RunIssue).filter_by(run_id=failed.run).one()
        assert (issue.severity, issue.code) == ("error", "pull_failed")


async def test_a_try_that_fails_once_is_tried_again(
    b: Gateway, provider: Provider, sessions: sessionmaker[Session], waits: list[float]
) -> None:
    rest_source(b, provider)
    provider.faults.fail_read, provider.faults.status = 3, 503
    provider.faults.every_time = False
    result = await pull(b.sessions, b.config, "a")
    assert (result.outcome, result.attempts, waits) == ("queued", 2, [1.0])
    await asyncio.to_thread(b.drain)
    assert state(b.sessions) == state(sessions)


async def test_a_token_expiring_mid_pull_is_fetched_again(
    b: Gateway, provider: Provider, sessions: sessionmaker[Session], waits: list[float]
) -> None:
    rest_source(b, provider)
    provider.faults.expire_after = 2
    result = await pull(b.sessions, b.config, "a")
    assert (result.outcome, result.attempts, waits) == ("queued", 1, [])
    assert provider.faults.tokens == 2
    await asyncio.to_thread(b.drain)
    assert state(b.sessions) == state(sessions)


async def test_the_cli_adds_and_pulls_and_never_shows_the_secret(
    b: Gateway,
    provider: Provider,
    sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    add = [
        "source", "add", "a", "--format", "oneroster-rest", "--url", provider.root,
        "--client-id", provider.client_id, "--client-secret", provider.secret, "--version", "1.2",
    ]  # fmt: skip
    added = await asyncio.to_thread(b.run, *add, "--json")
    assert added.code == 0, added.err
    assert added.json()["pull"] == {
        "kind": "rest",
        "url": provider.root,
        "client_id": "gateway-b",
        "version": "1.2",
        "secrets": ["client_secret"],
    }
    pulled = await asyncio.to_thread(b.run, "pull", "a", "--json")
    assert pulled.code == 0, pulled.err
    assert pulled.json()["state"] == "applied"
    assert state(b.sessions) == state(sessions)
    unchanged = await asyncio.to_thread(b.run, "pull", "a", "--dry-run")
    assert unchanged.code == 0, unchanged.err
    outputs = [
        added,
        pulled,
        unchanged,
        await asyncio.to_thread(b.run, "source", "show", "a"),
        await asyncio.to_thread(b.run, "source", "show", "a", "--json"),
        await asyncio.to_thread(b.run, "source", "list", "--json"),
        await asyncio.to_thread(b.run, "runs", "--json"),
    ]
    for result in outputs:
        assert provider.secret not in result.out + result.err
    assert "pull credentials" in outputs[3].out and "client_secret" in outputs[3].out
    assert provider.secret not in caplog.text
    with b.sessions() as session:
        stored = session.query(m.Source).filter_by(name="a").one().pull or {}
        assert stored["client_secret"] and provider.secret not in str(stored)


async def test_without_a_secret_key_adding_fails_in_one_line(
    b: Gateway, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROSTERGATE_SECRET_KEY")
    add = [
        "source", "add", "a", "--format", "oneroster-rest", "--url", provider.root,
        "--client-id", "x", "--client-secret", "s3cret-value",
    ]  # fmt: skip
    result = await asyncio.to_thread(b.run, *add)
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "rostergate: pull credentials need a secret key: set ROSTERGATE_SECRET_KEY or "
        'secret_key; generate one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"'
    ]
    assert (await asyncio.to_thread(b.run, "source", "list", "--json")).json() == []
