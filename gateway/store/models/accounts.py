"""Accounts, their outgoing access e-mails, and persons still waiting for a role."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import Base


class Account(Base):
    """A person's account; a synced account is keyed by (source, sync key)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("source_id", "sync_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    sync_key: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(255))
    username_key: Mapped[str] = mapped_column(String(255), unique=True)
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), default="")
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    expired_at: Mapped[datetime | None] = mapped_column(DateTime)
    local_fields: Mapped[str] = mapped_column(String(200), default="")
    created_run_id: Mapped[int | None] = mapped_column(Integer)
    birthday: Mapped[date | None] = mapped_column(Date)
    # Set by an admin: locked from this day on, whatever a feed says (gateway.users.accounts).
    expires_on: Mapped[date | None] = mapped_column(Date)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2, never the password
    password_change: Mapped[str | None] = mapped_column(String(20))  # None: the profile's
    password_never_expires: Mapped[bool | None] = mapped_column(Boolean)  # None: the profile's
    password_set_at: Mapped[datetime | None] = mapped_column(DateTime)


class Outbox(Base):
    """An e-mail with an account's access data, waiting, sent or given up (gateway.users.mail)."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # welcome (after a run) or access (on demand)
    address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(10), server_default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class PendingPerson(Base):
    """A person the feed sent without a role yet: no account until a role or membership comes."""

    __tablename__ = "pending_persons"
    __table_args__ = (UniqueConstraint("source_id", "sync_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    sync_key: Mapped[str] = mapped_column(String(255))
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    roles: Mapped[list[list[str]]] = mapped_column(JSON)  # [[role, org], ...] as sent
    orgs: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_run_id: Mapped[int | None] = mapped_column(Integer)


Index("ix_accounts_created_run", Account.created_run_id)
