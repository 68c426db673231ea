"""Import runs, the issues they report, the changes they log, saved column mappings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import Base


class ImportRun(Base):
    """One import (or preview, revert, held plan) and its outcome."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="import")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    format: Mapped[str] = mapped_column(String(20), default="")
    file: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(20), default="running", index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    counts: Mapped[dict[str, dict[str, int]] | None] = mapped_column(JSON)
    held: Mapped[dict[str, object] | None] = mapped_column(JSON)
    new_nodes: Mapped[list[str] | None] = mapped_column(JSON)
    roles: Mapped[dict[str, int] | None] = mapped_column(JSON)
    plan: Mapped[bytes | None] = mapped_column(LargeBinary)
    revision: Mapped[int | None] = mapped_column(Integer)
    reverts_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    last_change_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # The process running it, and when it last said it still is (gateway.store.owners).
    owner_host: Mapped[str | None] = mapped_column(String(255))
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Where it came from (push, upload, schedule, cli) and, when queued, its input (gateway.queue).
    origin: Mapped[str] = mapped_column(String(20), default="cli", server_default="cli")
    spool_path: Mapped[str | None] = mapped_column(String(1000))
    options: Mapped[dict[str, object] | None] = mapped_column(JSON)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)
    # How far a running run has come (gateway.store.progress).
    phase: Mapped[str | None] = mapped_column(String(20))
    records_read: Mapped[int | None] = mapped_column(Integer)
    records_total: Mapped[int | None] = mapped_column(Integer)


class RunIssue(Base):
    """One issue a run reported."""

    __tablename__ = "run_issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    severity: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30), default="")
    key: Mapped[str] = mapped_column(String(255), default="")
    file: Mapped[str] = mapped_column(String(255), default="")
    line: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Change(Base):
    """One logged change: a row's fields before and after, per run or local edit.

    A created row is logged too (action ``create``, its new values as ``after``), and
    carries the run's id in ``created_run_id``.
    """

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    entity: Mapped[str] = mapped_column(String(30))
    row_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(10), default="sync")
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


Index("ix_changes_entity_row", Change.entity, Change.row_id)


class ColumnMapping(Base):
    """A named mapping of a CSV's headers to fields, saved in the import wizard for reuse."""

    __tablename__ = "column_mappings"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    columns: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    usernames: Mapped[str | None] = mapped_column(String(20))
    saved_by: Mapped[str] = mapped_column(String(100), default="")
    saved_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
