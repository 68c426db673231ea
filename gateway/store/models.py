"""The store's tables as SQLAlchemy 2 typed models.

Schema changes go through Alembic (``gateway/store/migrations``); these models
are what the migrations build, and what the snapshot and writer query.
"""

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
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """One row: the store's revision, bumped by every write, so plans can tell if they are stale."""

    __tablename__ = "meta"
    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


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


class Profile(Base):
    """A site profile; security levels are unique."""

    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    security_level: Mapped[int] = mapped_column(Integer, unique=True)
    hierarchy_role: Mapped[str] = mapped_column(String(30))
    # False: no feed's role may give this profile (the top profile never is, whatever this says).
    feed_assignable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # What its new accounts get unless an admin says otherwise (gateway.users.passwords).
    password_change: Mapped[str] = mapped_column(String(20), server_default="must_change")
    password_never_expires: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ProfileValue(Base):
    """A profile's value of one setting of the catalogue (mapping/profile_catalogue.csv); a
    setting without a row has the catalogue's default."""

    __tablename__ = "profile_values"
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class RoleMatch(Base):
    """An external role word a profile matches, site-wide (source "") or for one source."""

    __tablename__ = "role_matches"
    __table_args__ = (UniqueConstraint("source", "role_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(100))
    role_key: Mapped[str] = mapped_column(String(100))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))


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


class Admin(Base):
    """A person who signs in: a site admin (everything) or a school admin (their schools)."""

    __tablename__ = "admins"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    schools: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class AdminToken(Base):
    """A bearer token an admin's automation uses; only its hash is kept."""

    __tablename__ = "admin_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random id, the store its hash and CSRF token."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class OAuthClient(Base):
    """A client of the OneRoster provider: its id, the hash of its secret and its scopes."""

    __tablename__ = "oauth_clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class OAuthToken(Base):
    """A short-lived access token of an OAuth client; only its hash is kept."""

    __tablename__ = "oauth_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """One admin action: who, what, on what, when and from where."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)
    address: Mapped[str] = mapped_column(String(100), default="")


Index("ix_changes_entity_row", Change.entity, Change.row_id)
# Removed memberships, by group: a run looks up those that may come back in a few groups.
REMOVED = text("status = 'removed'")
Index("ix_memberships_removed", Membership.group_id, sqlite_where=REMOVED, postgresql_where=REMOVED)
Index("ix_accounts_created_run", Account.created_run_id)


class ColumnMapping(Base):
    """A named mapping of a CSV's headers to fields, saved in the import wizard for reuse."""

    __tablename__ = "column_mappings"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    columns: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    usernames: Mapped[str | None] = mapped_column(String(20))
    saved_by: Mapped[str] = mapped_column(String(100), default="")
    saved_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
