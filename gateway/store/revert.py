"""Load what a revert needs: a run's change log, the rows it created, and what came after."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.store import runs
from gateway.store.snapshot import revision
from gateway.store.writer import TABLES
from gateway.sync.revert import Logged, RevertInputs

# What a logged action touched on its row: the fields it set, or the whole row ("*").
WHOLE_ROW = "*"


def _touched(change: m.Change) -> set[str]:
    """The fields a change set on its row."""
    if change.action == "update":
        return set(change.after or {})
    if change.action in ("expire", "inactivate"):
        return {"status"}
    return {WHOLE_ROW}


def _later(session: Session, run: m.ImportRun) -> dict[tuple[str, int], set[str]]:
    """Fields of each row changed after the run was applied (by any run or local edit)."""
    since = run.last_change_id or 0
    query = select(m.Change).where(m.Change.id > since, m.Change.run_id.is_distinct_from(run.id))
    touched: dict[tuple[str, int], set[str]] = defaultdict(set)
    for change in session.scalars(query):
        touched[(change.entity, change.row_id)] |= _touched(change)
    return touched


def _created(session: Session, run_id: int) -> dict[str, list[tuple[int, str]]]:
    """Rows the run created that still exist, newest first (children before parents)."""
    created: dict[str, list[tuple[int, str]]] = {}
    for entity in ("nodes", "groups", "accounts", "memberships", "guardian_links"):
        table = TABLES[entity]
        key = table.c.sync_key if "sync_key" in table.c else table.c.id
        query = select(table.c.id, key).where(table.c.created_run_id == run_id)
        created[entity] = [
            (i, str(k)) for i, k in session.execute(query.order_by(table.c.id.desc()))
        ]
    return created


def _dependants(
    session: Session, table: Table, column: str, ids: Iterable[int], run_id: int
) -> set[int]:
    """Which of ``ids`` rows of ``table`` not created by the run point at through ``column``."""
    ids = list(ids)
    if not ids:
        return set()
    col = table.c[column]
    created = table.c.created_run_id if "created_run_id" in table.c else None
    query = select(col).where(col.in_(ids))
    if created is not None:
        query = query.where(created.is_distinct_from(run_id))
    return set(session.scalars(query))


def _blocked(
    session: Session, run_id: int, created: dict[str, list[tuple[int, str]]]
) -> dict[tuple[str, int], str]:
    """Created rows that later rows depend on, so removing them would break something."""
    ids = {entity: [i for i, _ in rows] for entity, rows in created.items()}
    checks = (
        ("accounts", "memberships", "account_id", "has memberships added after the run"),
        ("accounts", "guardian_links", "guardian_id", "has guardian links added after the run"),
        ("accounts", "guardian_links", "student_id", "has guardian links added after the run"),
        ("groups", "memberships", "group_id", "has members added after the run"),
        ("groups", "groups", "course_id", "has subject groups added after the run"),
        ("nodes", "nodes", "parent_id", "has nodes added below it after the run"),
        ("nodes", "groups", "node_id", "has groups added after the run"),
        ("nodes", "groups", "school_id", "has groups added after the run"),
    )
    blocked: dict[tuple[str, int], str] = {}
    for entity, table, column, why in checks:
        for row_id in _dependants(session, TABLES[table], column, ids[entity], run_id):
            blocked[(entity, row_id)] = why
    placed = (
        select(m.Placement.node_id)
        .join(m.Account)
        .where(
            m.Placement.node_id.in_(ids["nodes"]), m.Account.created_run_id.is_distinct_from(run_id)
        )
    )
    for node_id in session.scalars(placed):
        blocked[("nodes", node_id)] = "has accounts placed at it after the run"
    return blocked


def load(session: Session, run_id: int) -> RevertInputs:
    """Everything the revert planner needs to undo one applied run."""
    run = runs.get(session, run_id)
    logged = session.scalars(
        select(m.Change).where(m.Change.run_id == run_id).order_by(m.Change.id)
    )
    changes = [Logged(c.id, c.entity, c.row_id, c.key, c.action, c.before, c.after) for c in logged]
    created = _created(session, run_id)
    existing = {
        entity: set(session.scalars(select(TABLES[entity].c.id)))
        for entity in ("nodes", "groups", "accounts")
    }
    ms, gl = m.Membership, m.GuardianLink
    return RevertInputs(
        run_id=run_id,
        source_id=run.source_id,
        revision=revision(session),
        changes=changes,
        later=_later(session, run),
        created=created,
        blocked=_blocked(session, run_id, created),
        existing=existing,
        memberships={
            (a, g, r) for a, g, r in session.execute(select(ms.account_id, ms.group_id, ms.role))
        },
        links={(g, s) for g, s in session.execute(select(gl.guardian_id, gl.student_id))},
    )
