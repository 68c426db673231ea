"""What ties an account to the rest: placements, memberships and guardian links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import Base


class Placement(Base):
    """An account's place in the hierarchy (the nodes it belongs to); a place it left stays,
    marked removed."""

    __tablename__ = "placements"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_run_id: Mapped[int | None] = mapped_column(Integer)


class Membership(Base):
    """An account in a group with a hierarchy role; origin ``sync`` or ``manual``.

    A removed membership stays as a row with status ``removed`` (and when and by which
    run); the same membership coming back makes that row active again.
    """

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("account_id", "group_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    origin: Mapped[str] = mapped_column(String(10), default="sync")
    begin_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool | None] = mapped_column(Boolean)
    created_run_id: Mapped[int | None] = mapped_column(Integer)
    sync_key: Mapped[str | None] = mapped_column(String(255), index=True)  # the feed's own key
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_run_id: Mapped[int | None] = mapped_column(Integer)


class GuardianLink(Base):
    """A guardian account responsible for a student account; removed links stay, marked."""

    __tablename__ = "guardian_links"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    created_run_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_run_id: Mapped[int | None] = mapped_column(Integer)


# Removed memberships, by group: a run looks up those that may come back in a few groups.
REMOVED = text("status = 'removed'")
Index("ix_memberships_removed", Membership.group_id, sqlite_where=REMOVED, postgresql_where=REMOVED)
