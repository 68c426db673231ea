"""Feed sources, the days their runs are limited, and their scheduled firings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import Base


class Source(Base):
    """A feed source: a register or vendor that owns the records it sends."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    format: Mapped[str | None] = mapped_column(String(20))
    # The schools it may write to, by key, path or name; empty: every school.
    schools: Mapped[list[str] | None] = mapped_column(JSON)
    # Its own settings (keys of gateway.config.SETTINGS), laid over the config's [sources.NAME].
    settings: Mapped[dict[str, object] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A source with records is retired rather than deleted: its records keep their owner.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the scheduler pulls it: "cron 0 5 * * 1-5" or "every 2h"; None: never.
    schedule: Mapped[str | None] = mapped_column(String(100))
    # How it is pulled (gateway.pull: kind, where, credentials Fernet-encrypted); None: pushed.
    pull: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # What its last applied pull left: the delta cursor, ETag, file, run (gateway.store.pulls).
    pull_state: Mapped[dict[str, object] | None] = mapped_column(JSON)


class SourceWindow(Base):
    """Days a source's runs are limited: ``blackout`` (no scheduled runs) or ``additions_only``."""

    __tablename__ = "source_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)  # the last day in the window


class Firing(Base):
    """One scheduled firing of a job for a source, claimed once whichever replica fires it."""

    __tablename__ = "schedule_firings"
    __table_args__ = (UniqueConstraint("source_id", "job", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    job: Mapped[str] = mapped_column(String(50))  # "pull", or "guardians NODE_ID"
    due_at: Mapped[datetime] = mapped_column(DateTime)
    fired_at: Mapped[datetime] = mapped_column(DateTime)
    run_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(200), default="")
