"""Load what a revert needs: a run's change log, the rows it created, and what came after."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.store import runs
from gateway.store.snapshot import revision
from gateway.store.writer import TABLES
from gateway.sync.revert import Created, Logged, RevertInputs, Row

# What a logged action touched on its row: the fields it set, or the whole row ("*").
WHOLE_ROW = "*"
# What a created row points at, by column: a row kept by a revert keeps these too.
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "nodes": (("parent_id", "nodes"),),
    "groups": (("node_id", "nodes"), ("school_id", "nodes"), ("course_id", "groups")),
    "accounts": (),
    "memberships": (("account_id", "accounts"), ("group_id", "groups")),
    "guardian_links": (("guardian_id", "accounts"), ("student_id", "accounts")),
}
# What a created row is logged with: its status, and for rows without a key all of it.
BEFORE = {
    "memberships": (
        "account_id", "group_id", "role", "origin", "begin_date", "end_date", "is_primary",
    ),
    "guardian_links": ("guardian_id", "student_id"),
}  # fmt: skip


def _touched(change: m.Change) -> set[str]:
    """The fields a change set on its row."""
    if change.action == "update":
        return set(change.after or {})
    if change.action in ("expire", "inactivate", "remove"):
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


def _key(entity: str, values: dict[str, Any]) -> str:
    """A created row's key as the change log names it."""
    if entity == "memberships":
        return f"{values['account_id']}/{values['group_id']}/{values['role']}"
    return f"{values['guardian_id']}>{values['student_id']}"


def _created(
    session: Session, run_id: int
) -> tuple[dict[str, list[Created]], dict[Row, list[Row]]]:
    """Rows the run created (newest first), and the rows each of them points at."""
    created: dict[str, list[Created]] = {}
    needs: dict[Row, list[Row]] = defaultdict(list)
    for entity, refs in NEEDS.items():
        table = TABLES[entity]
        fields = BEFORE.get(entity, ())
        columns = [table.c[c] for c in ("id", "status", *fields, *(c for c, _ in refs))]
        key = [table.c.sync_key] if "sync_key" in table.c else []
        query = select(*columns, *key).where(table.c.created_run_id == run_id)
        created[entity] = []
        for row in session.execute(query.order_by(table.c.id.desc())).mappings():
            before = {"status": row["status"], **{f: row[f] for f in fields}}
            name = row["sync_key"] if key else _key(entity, before)
            created[entity].append((row["id"], name, before))
            for column, target in refs:
                if row[column] is not None:
                    needs[(entity, row["id"])].append((target, row[column]))
    placed = select(m.Placement.account_id, m.Placement.node_id).join(m.Account)
    placed = placed.where(m.Account.created_run_id == run_id, m.Placement.status == "active")
    for account_id, node_id in session.execute(placed):
        needs[("accounts", account_id)].append(("nodes", node_id))
    return created, needs


def _active(table: Table) -> ColumnElement[bool] | None:
    """The condition for a row that still counts (not removed, inactive or expired)."""
    if "status" not in table.c:
        return None
    return table.c.status != "expired" if table.name == "accounts" else table.c.status == "active"


def _dependants(
    session: Session, table: Table, column: str, ids: Iterable[int], run_id: int
) -> set[int]:
    """Which of ``ids`` active rows of ``table`` not created by the run point at."""
    ids = list(ids)
    if not ids:
        return set()
    col = table.c[column]
    query = select(col).where(col.in_(ids), table.c.created_run_id.is_distinct_from(run_id))
    active = _active(table)
    return set(session.scalars(query if active is None else query.where(active)))


def _blocked(
    session: Session, run_id: int, created: dict[str, list[Created]]
) -> dict[tuple[str, int], str]:
    """Created rows that later rows depend on, so removing them would break something."""
    ids = {entity: [row[0] for row in rows] for entity, rows in created.items()}
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
            m.Placement.node_id.in_(ids["nodes"]),
            m.Account.created_run_id.is_distinct_from(run_id),
            m.Account.status != "expired",
            m.Placement.status == "active",
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
    created, needs = _created(session, run_id)
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
        needs=needs,
        memberships={
            (a, g, r) for a, g, r in session.execute(select(ms.account_id, ms.group_id, ms.role))
        },
        links={(g, s) for g, s in session.execute(select(gl.guardian_id, gl.student_id))},
    )
