"""Change rows named for people, groups and hierarchy paths, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.feeds import Feed
from gateway.store import names, runs
from gateway.sync.run import run
from tests.support.packages import nordby


def _named(sessions: sessionmaker[Session], run_id: int) -> list[dict[str, object]]:
    """Every change row of a run, named."""
    with sessions() as session:
        source = runs.get(session, run_id).source_id
        rows = runs.changes(session, run_id)
        return names.named(session, source, rows, range(len(rows)))


def test_applied_and_held_changes_name_people_groups_and_paths(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    config = Config(database_url=database_url)
    first, second = nordby(10), nordby(10).without("P1", "P2", "P3")
    applied = run(sessions, config, Feed(first.write(tmp_path / "1"), "oneroster", "nb", {}))
    held = run(sessions, config, Feed(second.write(tmp_path / "2"), "oneroster", "nb", {}))
    assert (applied.state, held.state) == ("applied", "held")

    done = _named(sessions, applied.run)
    pupil = next(r for r in done if r["entity"] == "accounts" and r["key"] == "P1")
    assert pupil["name"] == "Åse Ødegård (AsOd)"
    assert ("nodes", "", "Nordby skole") in pupil["fields"]  # the stored ids, as paths
    link = next(r for r in done if r["entity"] == "guardian_links")
    assert link["name"] == "Per Ødegård (PeOd) → Åse Ødegård (AsOd)"
    group = next(r for r in done if r["entity"] == "groups" and r["key"] == "8A")
    assert ("node", "", "Nordby skole/8A") in group["fields"]

    planned = _named(sessions, held.run)
    gone = sorted(r["name"] for r in planned if r["action"] in ("expire", "remove"))
    assert gone == [
        "Kari Lie (KaLi)",
        "Kari Lie (KaLi) · 8A (Nordby skole/8A) · student",
        "Kari Lie (KaLi) · Matematikk 8 (Nordby skole) · student",
        "Liv Dahl (LiDa) → Ola Dahl (OlDa)",  # their guardians' links go with them
        "Ola Dahl (OlDa)",
        "Ola Dahl (OlDa) · 8A (Nordby skole/8A) · student",
        "Ola Dahl (OlDa) · Matematikk 8 (Nordby skole) · student",
        "Per Ødegård (PeOd) → Åse Ødegård (AsOd)",
        "Åse Ødegård (AsOd)",
        "Åse Ødegård (AsOd) · 8A (Nordby skole/8A) · student",
        "Åse Ødegård (AsOd) · Matematikk 8 (Nordby skole) · student",
    ]
    membership = next(r for r in planned if r["entity"] == "memberships")
    assert membership["before"]["account_id"] > 0  # type: ignore[index]  # the ids stay
    assert ("account", "Åse Ødegård (AsOd)", "") in membership["fields"]
