"""The hierarchy (nodes), per-school sync settings and presets, and groups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import Base


class Node(Base):
    """A hierarchy node: school owner, school, year, class, department."""

    __tablename__ = "nodes"
    __table_args__ = (UniqueConstraint("source_id", "sync_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    sync_key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_run_id: Mapped[int | None] = mapped_column(Integer)


class SchoolSetting(Base):
    """One school's sync settings (see mapping.settings for what each means)."""

    __tablename__ = "school_settings"
    node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    auto_sync: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_staff: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_students: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_guardians: Mapped[bool] = mapped_column(Boolean, default=True)
    guardians_from: Mapped[date | None] = mapped_column(Date)
    sync_subjects: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_subject_members: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_classes: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_class_teachers: Mapped[bool] = mapped_column(Boolean, default=True)
    force_email_students: Mapped[bool] = mapped_column(Boolean, default=False)
    force_email_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    force_email_guardians: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_manual_members: Mapped[bool] = mapped_column(Boolean, default=False)


class SettingsPreset(Base):
    """Settings a school starts with: site defaults (``school`` empty), or kept for a school
    the store does not hold yet, by its key or name, until it arrives (``node_id`` then)."""

    __tablename__ = "settings_presets"
    id: Mapped[int] = mapped_column(primary_key=True)
    school: Mapped[str] = mapped_column(String(255), default="")
    values: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    node_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))


class Group(Base):
    """A class group (owned by a class node), a course or a subject group."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("source_id", "sync_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    sync_key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(30))
    node_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    subjects: Mapped[str] = mapped_column(Text, default="")
    begin_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_run_id: Mapped[int | None] = mapped_column(Integer)
