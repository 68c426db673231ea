"""Applying a preview's kept plan through the orchestrator, on SQLite and PostgreSQL: what
the preview showed is written, held if it said so, and never once the store moved on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import ConflictError, UsageError
from gateway.feeds import Feed
from gateway.store import models as m
from gateway.sync import run as sync
from tests.support.packages import nordby


def _statuses(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Account status by sync key."""
    with sessions() as session:
        rows = session.execute(select(m.Account.sync_key, m.Account.status))
        return {str(key): status for key, status in rows}


def test_a_preview_that_would_be_held_makes_a_held_run_that_approves(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    config, world = Config(database_url=database_url), nordby(10)
    first = sync.run(sessions, config, Feed(world.write(tmp_path / "a"), "oneroster", "sis"))
    assert first.state == "applied"
    leavers = world.without("P1", "P2", "P3").write(tmp_path / "b")
    preview = sync.run(sessions, config, Feed(leavers, "oneroster", "sis"), dry_run=True)
    assert preview.state == "previewed" and preview.held
    with pytest.raises(UsageError, match="is not a preview"):
        sync.apply_preview(sessions, first.run)

    held = sync.apply_preview(sessions, preview.run)
    assert (held.state, held.counts, held.held) == ("held", preview.counts, preview.held)
    assert _statuses(sessions)["P1"] == "active"
    assert sync.approve(sessions, held.run).state == "applied"
    assert [_statuses(sessions)[k] for k in ("P1", "P2", "P3", "P4")] == [
        "expired",
        "expired",
        "expired",
        "active",
    ]
    with pytest.raises(ConflictError, match="the store changed since the preview"):
        sync.apply_preview(sessions, preview.run)  # spent: the approval moved the store on
