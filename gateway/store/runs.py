"""Import runs in the store: start, finish, fail, and read back as reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from gateway.errors import ConflictError, NotFound
from gateway.store import models as m
from gateway.store import owners, plans, pulls
from gateway.store.writer import jsonable, removal_after
from gateway.sync.changes import CREATE_COLUMNS, Plan
from gateway.sync.report import Report, empty_counts
from mapping.records import RowIssue


def start(
    session: Session,
    *,
    source_id: int | None,
    fmt: str,
    file: str,
    kind: str = "import",
    dry_run: bool = False,
    reverts: int | None = None,
) -> int:
    """Record a new run in state ``running``, owned by this process, and return its id."""
    run = m.ImportRun(
        source_id=source_id,
        format=fmt,
        file=file,
        kind=kind,
        dry_run=dry_run,
        state="running",
        reverts_run_id=reverts,
        **owners.this_process(),
    )
    session.add(run)
    session.flush()
    return run.id


# A preview keeps its plan for ``rostergate changes`` up to this many planned rows.
PREVIEW_PLAN_LIMIT = 100_000
# How a created row without a sync key of its own is named, as the change log names it.
KEYED_BY = {"memberships": ("/", ("account", "group", "role")),
            "guardian_links": (">", ("guardian", "student"))}  # fmt: skip


def finish(session: Session, run_id: int, state: str, plan: Plan, now: datetime) -> Report:
    """Store a run's outcome, its issues and, unless it was applied, its plan; return its report.

    A held run keeps its plan to be approved; a preview keeps it, when not too large, so
    that ``rostergate changes`` can show what the run would do.
    """
    report = Report(run_id, state, plan.counts(), plan.issues, plan.held, plan.new_nodes)
    values: dict[str, Any] = {
        "state": state,
        "finished_at": now,
        "counts": report.counts,
        "held": plan.held,
        "new_nodes": plan.new_nodes,
        "roles": dict(plan.roles),
    }
    if state == "held" or (state == "previewed" and plan.size <= PREVIEW_PLAN_LIMIT):
        values["plan"] = plans.dump(plan)
    if state in ("held", "previewed"):  # a preview too large to keep still tells its revision
        values["revision"] = plan.revision
    session.execute(update(m.ImportRun).where(m.ImportRun.id == run_id).values(values))
    save_issues(session, run_id, plan.issues)
    return report


def save_issues(session: Session, run_id: int, issues: list[RowIssue]) -> None:
    """Store a run's issues."""
    rows = [
        {
            "run_id": run_id,
            "severity": i.severity,
            "code": i.code,
            "entity": i.entity,
            "key": i.key[:255],
            "file": i.file,
            "line": i.line,
            "message": i.message,
            "skipped": i.skipped,
        }
        for i in issues
    ]
    if rows:
        session.execute(insert(m.RunIssue), rows)


def fail(
    session: Session, run_id: int, error: str, issues: list[RowIssue], now: datetime
) -> Report:
    """Mark a run failed; nothing else was written."""
    session.execute(
        update(m.ImportRun)
        .where(m.ImportRun.id == run_id)
        .values(state="failed", finished_at=now, error=error, counts=empty_counts())
    )
    save_issues(session, run_id, issues)
    return Report(run_id, "failed", issues=issues, error=error)


def set_state(session: Session, run_id: int, state: str, now: datetime) -> None:
    """Move a run to another state (a held run approved or discarded); drop its stored plan."""
    values = {"state": state, "finished_at": now, "plan": None}
    session.execute(update(m.ImportRun).where(m.ImportRun.id == run_id).values(values))


def set_input(session: Session, run_id: int, like: m.ImportRun) -> None:
    """Give a run the input and options of another (a preview it applies), to run again."""
    values = {"origin": like.origin, "spool_path": like.spool_path, "options": like.options}
    session.execute(update(m.ImportRun).where(m.ImportRun.id == run_id).values(values))


def mark_applied(session: Session, run_id: int) -> None:
    """Note the last change-log entry once a run is written: later entries came after it."""
    last = session.scalar(select(func.max(m.Change.id)))
    session.execute(update(m.ImportRun).where(m.ImportRun.id == run_id).values(last_change_id=last))
    pulls.applied(session, run_id)  # a pull's cursor moves only with its applied run


def removals_since(
    session: Session, source_id: int, since: datetime
) -> list[tuple[str, int, dict[str, Any] | None]]:
    """(entity, row id, before) of each account expired and membership removed by the
    source's runs applied since then; an approval covers the removals before it."""
    applied = session.execute(
        select(m.ImportRun.id, m.ImportRun.held)
        .where(
            m.ImportRun.source_id == source_id,
            m.ImportRun.kind == "import",
            m.ImportRun.state == "applied",
            m.ImportRun.finished_at >= since,
        )
        .order_by(m.ImportRun.id)
    ).all()
    approved = [n for n, (_, held) in enumerate(applied) if held]
    ids = [run_id for run_id, _ in applied[approved[-1] + 1 if approved else 0 :]]
    if not ids:
        return []
    query = select(m.Change.entity, m.Change.row_id, m.Change.before).where(
        m.Change.run_id.in_(ids),
        m.Change.entity.in_(("accounts", "memberships")),
        m.Change.action.in_(("expire", "remove", "delete")),  # "delete": logs before 0008
    )
    return [(entity, row_id, before) for entity, row_id, before in session.execute(query)]


# Run ids are the stores' 32-bit integers: a larger number names no run (and no query).
LARGEST_RUN_ID = 2**31 - 1


def get(session: Session, run_id: int) -> m.ImportRun:
    """A run by id."""
    run = session.get(m.ImportRun, run_id) if 0 < run_id <= LARGEST_RUN_ID else None
    if run is None:
        raise NotFound(f"there is no run {run_id}")
    return run


def stored_plan(run: m.ImportRun) -> Plan:
    """The plan a held or previewed run stored."""
    if run.plan is None:
        raise NotFound(f"run {run.id} has no stored plan")
    try:
        return plans.load(run.plan)
    except ConflictError as err:
        raise ConflictError(f"run {run.id}: {err}") from err


def report(session: Session, run_id: int) -> Report:
    """A stored run read back as its report."""
    run = get(session, run_id)
    rows = session.scalars(
        select(m.RunIssue).where(m.RunIssue.run_id == run_id).order_by(m.RunIssue.id)
    )
    issues = [
        RowIssue(r.severity, r.code, r.message, r.entity, r.key, r.line, r.file, r.skipped)  # type: ignore[arg-type]
        for r in rows
    ]
    return Report(
        run.id,
        run.state,
        run.counts or empty_counts(),
        issues,
        run.held,
        run.new_nodes or [],
        run.error or "",
        progress(run),
    )


def progress(run: m.ImportRun) -> dict[str, Any] | None:
    """How far a queued or running run has come: phase, records read, of how many; else None."""
    if run.state not in ("queued", "running"):
        return None
    beat = run.heartbeat_at.isoformat(timespec="seconds") if run.heartbeat_at else None
    return {
        "phase": run.phase or ("queued" if run.state == "queued" else "start"),
        "read": run.records_read or 0,
        "total": run.records_total,
        "heartbeat_at": beat,
    }


@dataclass(frozen=True)
class RunFilter:
    """Which runs a listing shows: by source name, state, start time and source ids."""

    source: str | None = None
    state: str | None = None
    since: datetime | None = None
    source_ids: frozenset[int] | None = None  # None: every source's

    def conditions(self) -> list[ColumnElement[bool]]:
        """What a run must meet to be listed."""
        found: list[ColumnElement[bool]] = []
        if self.source is not None:
            named = select(m.Source.id).where(m.Source.name == self.source)
            found.append(m.ImportRun.source_id.in_(named))
        if self.state is not None:
            found.append(m.ImportRun.state == self.state)
        if self.since is not None:
            found.append(m.ImportRun.started_at >= self.since)
        if self.source_ids is not None:
            found.append(m.ImportRun.source_id.in_(self.source_ids))
        return found


def listing(
    session: Session, limit: int = 50, offset: int = 0, where: RunFilter = RunFilter()
) -> list[dict[str, Any]]:
    """The latest runs, newest first, with how many issues of each severity each reported."""
    query = (
        select(m.ImportRun, m.Source.name)
        .outerjoin(m.Source)
        .order_by(m.ImportRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    found = session.execute(query.where(*where.conditions())).all()
    totals = issue_totals(session, [run.id for run, _ in found])
    return [
        {
            "run": run.id,
            "kind": run.kind,
            "state": run.state,
            "origin": run.origin,
            "source": source,
            "format": run.format,
            "file": run.file,
            "dry_run": run.dry_run,
            "started_at": run.started_at.isoformat(timespec="seconds"),
            "counts": run.counts,
            "issues": totals.get(run.id, {}),
            "progress": progress(run),
        }
        for run, source in found
    ]


def issue_totals(session: Session, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many issues of each severity these runs reported."""
    query = (
        select(m.RunIssue.run_id, m.RunIssue.severity, func.count())
        .where(m.RunIssue.run_id.in_(run_ids))
        .group_by(m.RunIssue.run_id, m.RunIssue.severity)
    )
    totals: dict[int, dict[str, int]] = {}
    for run_id, severity, count in session.execute(query):
        totals.setdefault(run_id, {})[severity] = count
    return totals


def total(session: Session, where: RunFilter = RunFilter()) -> int:
    """How many runs a listing with this filter holds in all."""
    return session.scalar(select(func.count(m.ImportRun.id)).where(*where.conditions())) or 0


def issues(
    session: Session,
    run_id: int,
    *,
    severity: str | None = None,
    code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of a run's issues (by severity and code when given), and how many there are."""
    get(session, run_id)
    query = select(m.RunIssue).where(m.RunIssue.run_id == run_id)
    if severity is not None:
        query = query.where(m.RunIssue.severity == severity)
    if code is not None:
        query = query.where(m.RunIssue.code == code)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(m.RunIssue.id).limit(limit).offset(offset))
    page = [
        {
            "severity": i.severity,
            "code": i.code,
            "entity": i.entity,
            "key": i.key,
            "file": i.file,
            "line": i.line,
            "message": i.message,
            "skipped": i.skipped,
        }
        for i in rows
    ]
    return page, count


def changes(session: Session, run_id: int) -> list[dict[str, Any]]:
    """A run's change log (each create with its values, each update and removal with its
    fields before and after), or, for a preview or a held run, what it would write."""
    run = get(session, run_id)
    if run.state in ("previewed", "held") and run.plan is not None:
        origin = "revert" if run.kind == "revert" else "sync"
        return list(planned(stored_plan(run), origin))
    query = select(m.Change).where(m.Change.run_id == run_id).order_by(m.Change.id)
    return [
        {
            "entity": c.entity,
            "key": c.key,
            "action": c.action,
            "before": c.before,
            "after": c.after,
            "origin": c.origin,
            "planned": False,
        }
        for c in session.scalars(query)
    ]


def planned(plan: Plan, origin: str) -> Iterator[dict[str, Any]]:
    """What a plan would write, in the change log's shape (marked planned)."""
    for entity, changes in plan.changes.items():
        for row in changes.creates:
            after = dict(zip(CREATE_COLUMNS[entity], row, strict=True))
            yield _planned(entity, _created_key(entity, after), "create", None, after, origin)
        for _, key, diff in changes.updates:
            before = {name: old for name, (old, _) in diff.items()}
            after = {name: new for name, (_, new) in diff.items()}
            yield _planned(entity, key, "update", before, after, origin)
        for _, key, action, before in changes.removals:
            yield _planned(entity, key, action, before, removal_after(action), origin)


def _created_key(entity: str, after: dict[str, Any]) -> str:
    """A created row's key: its sync key, or what names it in the change log."""
    if "key" in after:
        return str(after.pop("key"))
    separator, columns = KEYED_BY[entity]
    return separator.join(str(after[column]) for column in columns)


def _planned(
    entity: str,
    key: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    origin: str,
) -> dict[str, Any]:
    """One row of a plan, as ``changes`` shows it."""
    return {
        "entity": entity,
        "key": key,
        "action": action,
        "before": jsonable(before),
        "after": jsonable(after),
        "origin": origin,
        "planned": True,
    }
