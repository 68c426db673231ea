"""Accounts as admins look for them: search with filters and pages, and one account in full."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from gateway.local import school_ids
from gateway.store import lookup, reach
from gateway.store import models as m
from gateway.store.expiry import LOCAL, status_is
from gateway.store.queries import account_nodes, account_row, node_paths
from gateway.users import outbox, passwords

STATUSES = ("active", "locked", "expired")


@dataclass(frozen=True)
class AccountFilter:
    """Which accounts a search finds; ``schools`` None is every school (and none)."""

    text: str = ""
    profile: str | None = None
    status: str | None = None
    source: str | None = None
    schools: Collection[int] | None = None

    def conditions(self, session: Session) -> list[ColumnElement[bool]]:
        """What an account must meet to be found."""
        a, found = m.Account, []
        if self.text:
            like = f"%{self.text.casefold()}%"
            fields = (a.username_key, a.given_name, a.family_name, a.sync_key, a.email)
            found.append(or_(*(func.lower(f).like(like) for f in fields)))
        if self.profile is not None:
            named = select(m.Profile.id).where(func.lower(m.Profile.name) == self.profile.lower())
            found.append(a.profile_id.in_(named))
        if self.status is not None:
            found.append(status_is(self.status))
        if self.source == LOCAL:
            found.append(a.source_id.is_(None))
        elif self.source is not None:
            found.append(a.source_id.in_(select(m.Source.id).where(m.Source.name == self.source)))
        if self.schools is not None:
            found.append(reach.accounts_in(session, self.schools))
        return found


def search(
    session: Session, where: AccountFilter, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """A page of the accounts found, as `list accounts --json` shows them, and how many in all."""
    conditions = where.conditions(session)
    total = session.scalar(select(func.count(m.Account.id)).where(*conditions)) or 0
    query = (
        select(m.Account, m.Profile.name, m.Source.name)
        .join(m.Profile)
        .outerjoin(m.Source)
        .where(*conditions)
        .order_by(m.Account.username_key)
        .limit(limit)
        .offset(offset)
    )
    rows = session.execute(query).all()
    nodes = account_nodes(session, node_paths(session)) if rows else {}
    found = [
        account_row(acc, profile, source, nodes.get(acc.id, [])) for acc, profile, source in rows
    ]
    return found, total


def show(session: Session, username: str) -> dict[str, Any]:
    """One account with its profile, places, schools and memberships."""
    acc = lookup.account(session, username)
    profile = session.get(m.Profile, acc.profile_id)
    source = session.get(m.Source, acc.source_id) if acc.source_id else None
    paths = node_paths(session)
    nodes = account_nodes(session, paths).get(acc.id, [])
    members = (
        select(m.Group.sync_key, m.Group.name, m.Membership.role, m.Membership.origin)
        .join(m.Group, m.Membership.group_id == m.Group.id)
        .where(m.Membership.account_id == acc.id)
        .order_by(m.Group.name)
    )
    shown = account_row(
        acc, profile.name if profile else "", source.name if source else None, nodes
    )
    shown["schools"] = sorted(paths[s] for s in school_ids(session, acc.id))
    shown["birthday"] = acc.birthday.isoformat() if acc.birthday else None
    shown["password"] = passwords.rules(acc, profile) if profile else None
    shown["access_email"] = outbox.latest(session, acc.id)
    shown["memberships"] = [
        {"group": key, "group_name": name, "role": role, "origin": origin}
        for key, name, role, origin in session.execute(members)
    ]
    return shown


def members(session: Session, group: m.Group) -> list[dict[str, Any]]:
    """A group's members: who, as what, and whether the sync or an admin put them there."""
    query = (
        select(m.Account.username, m.Account.given_name, m.Account.family_name, m.Membership)
        .join(m.Membership, m.Membership.account_id == m.Account.id)
        .where(m.Membership.group_id == group.id)
        .order_by(m.Account.username_key, m.Membership.role)
    )
    return [
        {
            "username": username,
            "given_name": given,
            "family_name": family,
            "role": row.role,
            "origin": row.origin,
            "begin": row.begin_date,
            "end": row.end_date,
        }
        for username, given, family, row in session.execute(query)
    ]
