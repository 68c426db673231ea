"""Local edits by admins: account fields, manual members, school settings.

Each edit is logged as a change with origin ``local`` (or ``manual`` for
members) and moves the store to a new revision, so held plans made before it
are refused. The caller owns the transaction.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from gateway.errors import RuleError, UsageError
from gateway.store import lookup, presets
from gateway.store import models as m
from gateway.store.snapshot import bump, load_matcher
from gateway.store.writer import jsonable
from mapping.profiles import Profile
from mapping.settings import (
    SETTING_KEYS,
    SchoolSettings,
    apply_changes,
    from_dict,
    parse_changes,
)

EDITABLE = ("email", "given_name", "family_name")
REMOVED = {"status": "removed"}
# A removed membership added back by hand starts afresh: no dates, not primary, not removed.
ADDED_BACK = dict.fromkeys(("begin_date", "end_date", "is_primary", "removed_at", "removed_run_id"))


def now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def log(
    session: Session,
    entity: str,
    row_id: int,
    key: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    origin: str,
) -> None:
    """Record one local change."""
    session.add(
        m.Change(
            run_id=None,
            entity=entity,
            row_id=row_id,
            key=key,
            action=action,
            before=jsonable(before),
            after=jsonable(after),
            origin=origin,
        )
    )


def school_ids(session: Session, account_id: int) -> set[int]:
    """The schools an account belongs to, by placement or group."""
    parents = dict(session.execute(select(m.Node.id, m.Node.parent_id)).all())
    kinds = dict(session.execute(select(m.Node.id, m.Node.kind)).all())
    nodes = set(
        session.scalars(
            select(m.Placement.node_id).where(
                m.Placement.account_id == account_id, m.Placement.status == "active"
            )
        )
    )
    groups = (
        select(m.Group.school_id)
        .join(m.Membership)
        .where(m.Membership.account_id == account_id, m.Membership.status == "active")
    )
    found = {s for s in session.scalars(groups) if s}
    for placed in nodes:
        node: int | None = placed
        seen: set[int] = set()
        while node and node not in seen and kinds.get(node) != "school":
            seen.add(node)
            node = parents.get(node)
        if node and kinds.get(node) == "school":
            found.add(node)
    return found


def settings_of(session: Session, school_id: int) -> SchoolSettings:
    """A school's settings (defaults when it has no row yet)."""
    row = session.get(m.SchoolSetting, school_id)
    if row is None:
        return SchoolSettings()
    return SchoolSettings(**{k: getattr(row, k) for k in SETTING_KEYS})


def _profile(session: Session, account: m.Account) -> Profile:
    """An account's profile."""
    row = session.get(m.Profile, account.profile_id)
    assert row is not None
    return Profile(row.name, row.security_level, row.hierarchy_role)


def set_account(session: Session, username: str, pairs: list[str]) -> dict[str, tuple[str, str]]:
    """Edit account fields locally; they stick until the admin edits them again."""
    account = lookup.account(session, username)
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name.strip() not in EDITABLE:
            raise UsageError(f"expected FIELD=VALUE with FIELD one of {', '.join(EDITABLE)}")
        values[name.strip()] = value.strip()
    category = _profile(session, account).category
    if "email" in values:
        for school in school_ids(session, account.id):
            if settings_of(session, school).forces_email(category):
                node = session.get(m.Node, school)
                raise RuleError(
                    f"{node.name if node else 'the school'} forces the register's e-mail for "
                    f"{category}: change {account.username}'s e-mail in the register instead"
                )
    diff = {k: (getattr(account, k), v) for k, v in values.items() if getattr(account, k) != v}
    for name, (_, new) in diff.items():
        setattr(account, name, new)
    account.local_fields = ",".join(sorted({*account.local_fields.split(","), *values} - {""}))
    if diff:
        log(
            session,
            "accounts",
            account.id,
            account.sync_key or account.username,
            "update",
            {k: v[0] for k, v in diff.items()},
            {k: v[1] for k, v in diff.items()},
            "local",
        )
    bump(session)
    return diff


def _role(session: Session, account: m.Account, role: str | None) -> str:
    """The hierarchy role a manual member gets: given, matched, or from the profile."""
    if not role:
        return _profile(session, account).hierarchy_role
    hierarchy = set(session.scalars(select(m.Profile.hierarchy_role)))
    if role in hierarchy:
        return role
    profile = load_matcher(session, "")[1].profile_for(role)
    if profile is None:
        raise UsageError(f"role {role!r} is neither a hierarchy role nor matched by a profile")
    return profile.hierarchy_role


def add_member(session: Session, group_name: str, username: str, role: str | None) -> str:
    """Add a manual member to a group (its removed row, if it had one, comes back); return
    the hierarchy role given."""
    group = lookup.group(session, group_name)
    account = lookup.account(session, username)
    school = session.get(m.Node, group.school_id) if group.school_id else None
    settings = settings_of(session, school.id) if school else SchoolSettings()
    if not settings.allow_manual_members:
        where = school.name if school else "the group's school"
        raise RuleError(
            f"allow_manual_members is off at {where}: {group.name} takes only the register's "
            f"members (rostergate settings SCHOOL --set allow_manual_members=true)"
        )
    hierarchy_role = _role(session, account, role)
    stored = session.scalars(
        select(m.Membership).where(
            m.Membership.account_id == account.id,
            m.Membership.group_id == group.id,
            m.Membership.role == hierarchy_role,
        )
    ).one_or_none()
    if stored is not None and stored.status == "active":
        raise UsageError(f"{account.username} is already {hierarchy_role} in {group.name}")
    row = {
        "account_id": account.id,
        "group_id": group.id,
        "role": hierarchy_role,
        "origin": "manual",
    }
    before = None
    if stored is None:
        row_id = session.execute(
            insert(m.Membership).values(row).returning(m.Membership.id)
        ).scalar_one()
    else:
        before, row_id = _as_logged(stored), stored.id
        row = {**row, "status": "active"}
        back = {**row, **ADDED_BACK}
        session.execute(update(m.Membership).where(m.Membership.id == row_id).values(back))
    key = f"{account.username}@{group.sync_key}"
    log(session, "memberships", row_id, key, "add", before, row, "manual")
    bump(session)
    return hierarchy_role


def _as_logged(row: m.Membership) -> dict[str, Any]:
    """A stored membership as the change log keeps it."""
    return {
        "account_id": row.account_id,
        "group_id": row.group_id,
        "role": row.role,
        "origin": row.origin,
        "begin_date": row.begin_date,
        "end_date": row.end_date,
        "is_primary": row.is_primary,
        "status": row.status,
    }


def remove_member(
    session: Session, group_name: str, username: str, role: str | None, force: bool = False
) -> int:
    """Remove an account from a group; return how many memberships went (the rows stay,
    marked removed).

    A membership the sync made comes back with the register's next import, so removing
    one takes ``force``.
    """
    group = lookup.group(session, group_name)
    account = lookup.account(session, username)
    query = select(m.Membership).where(
        m.Membership.account_id == account.id,
        m.Membership.group_id == group.id,
        m.Membership.status == "active",
    )
    if role:
        query = query.where(m.Membership.role == _role(session, account, role))
    rows = session.scalars(query).all()
    if not rows:
        raise UsageError(f"{account.username} is not a member of {group.name}")
    if not force and any(row.origin == "sync" for row in rows):
        raise RuleError(
            f"{account.username} is in {group.name} because the register says so: the register "
            "will restore it on its next import; change it there, or use --force to remove it now"
        )
    key = f"{account.username}@{group.sync_key}"
    for row in rows:
        log(session, "memberships", row.id, key, "remove", _as_logged(row), REMOVED, "manual")
    removed = {**REMOVED, "removed_at": now()}
    session.execute(
        update(m.Membership).where(m.Membership.id.in_([r.id for r in rows])).values(removed)
    )
    bump(session)
    return len(rows)


def set_settings(session: Session, school_name: str, pairs: list[str]) -> SchoolSettings:
    """Change a school's settings (validated) and return them."""
    school = lookup.school(session, school_name)
    before = settings_of(session, school.id)
    after = apply_changes(before, pairs)
    values = dataclasses.asdict(after)
    if session.get(m.SchoolSetting, school.id) is None:
        session.execute(insert(m.SchoolSetting).values(node_id=school.id, **values))
    else:
        session.execute(
            update(m.SchoolSetting).where(m.SchoolSetting.node_id == school.id).values(values)
        )
    old, new = before.as_dict(), after.as_dict()
    changed = {k for k in old if old[k] != new[k]}
    if changed:
        log(
            session,
            "school_settings",
            school.id,
            school.sync_key,
            "update",
            {k: old[k] for k in changed},
            {k: new[k] for k in changed},
            "local",
        )
        bump(session)
    return after


def preset_settings(session: Session, school: str) -> SchoolSettings | None:
    """What the site defaults are (``school`` empty), or what a school to come will start with."""
    kept = presets.load(session)
    if not school:
        return kept.for_school("", "")
    return kept.for_school(school, school) if kept.match(school, school) else None


def set_preset(session: Session, school: str, pairs: list[str]) -> SchoolSettings:
    """Change the site defaults (``school`` empty), or keep settings for a school to come."""
    kept = presets.load(session)
    found = kept.match(school, school) if school else None
    values = dict(kept.defaults if not school else found[1] if found else {})
    for key, value in parse_changes(pairs).items():
        values[key] = value.isoformat() if isinstance(value, date) else value
    presets.save(session, school, values)
    bump(session)
    return from_dict(values, kept.for_school("", "")) if school else from_dict(values)
