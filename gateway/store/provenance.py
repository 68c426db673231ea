"""Where an account's values came from, its history, and undoing a local edit.

Every write to an account, by a run or by an admin, is a row in the change log, so the
log answers both "which source set this e-mail, or was it edited here?" and "what
happened to this person?". Undoing a local edit puts back the value the register last
set and lets the register's next run write the field again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from gateway.errors import UsageError
from gateway.local import log
from gateway.store import lookup, names
from gateway.store import models as m
from gateway.store.snapshot import bump

# The account fields whose origin the account page shows, in its order.
FIELDS = ("username", "given_name", "family_name", "email", "profile", "status", "nodes")
UNDOABLE = ("email", "given_name", "family_name")
HISTORY = 200  # the newest change rows the account page lists
UNDONE = "undo"  # the change log's origin for a local edit taken back


@dataclass(frozen=True)
class Origin:
    """Who last set a field: a run of a source (``sync``, ``revert``), an admin here
    (``local``), or an undo of an admin's edit (``undo``)."""

    origin: str
    at: datetime
    run: int | None = None
    source: str | None = None


def _account_rows(account: m.Account) -> ColumnElement[bool]:
    """The change-log rows of the account itself."""
    return and_(m.Change.entity == "accounts", m.Change.row_id == account.id)


def origins(session: Session, account: m.Account) -> dict[str, Origin]:
    """Each field's latest writer, from the change log (a field never logged is left out)."""
    query = (
        select(m.Change, m.Source.name)
        .where(_account_rows(account))
        .outerjoin(m.ImportRun, m.Change.run_id == m.ImportRun.id)
        .outerjoin(m.Source, m.ImportRun.source_id == m.Source.id)
        .order_by(m.Change.id.desc())
    )
    found: dict[str, Origin] = {}
    for change, source in session.execute(query):
        for name in change.after or {}:
            found.setdefault(name, Origin(change.origin, change.at, change.run_id, source))
        if change.action in ("expire", "inactivate"):
            found.setdefault("status", Origin(change.origin, change.at, change.run_id, source))
    return found


def history(session: Session, account: m.Account) -> list[dict[str, Any]]:
    """The account's changes, its memberships' and its guardian links', newest first, named."""
    memberships = select(m.Membership.id).where(m.Membership.account_id == account.id)
    links = select(m.GuardianLink.id).where(
        or_(m.GuardianLink.guardian_id == account.id, m.GuardianLink.student_id == account.id)
    )
    query = (
        select(m.Change, m.Source.name)
        .where(
            or_(
                _account_rows(account),
                and_(m.Change.entity == "memberships", m.Change.row_id.in_(memberships)),
                and_(m.Change.entity == "guardian_links", m.Change.row_id.in_(links)),
            )
        )
        .outerjoin(m.ImportRun, m.Change.run_id == m.ImportRun.id)
        .outerjoin(m.Source, m.ImportRun.source_id == m.Source.id)
        .order_by(m.Change.id.desc())
        .limit(HISTORY)
    )
    found = session.execute(query).all()
    rows = [_row(change) for change, _ in found]
    named = names.Names(session, account.source_id, rows)
    return [
        {
            **row,
            "at": change.at,
            "run": change.run_id,
            "source": source,
            "name": named.subject(row),
            "fields": named.fields(row),
        }
        for row, (change, source) in zip(rows, found, strict=True)
    ]


def _row(change: m.Change) -> dict[str, Any]:
    """A change-log row as ``runs.changes`` gives it."""
    return {
        "entity": change.entity,
        "key": change.key,
        "action": change.action,
        "before": change.before,
        "after": change.after,
        "origin": change.origin,
        "planned": False,
    }


def register_value(session: Session, account: m.Account, field: str) -> Any:
    """The value the field had before the admins' edits since a run last wrote it."""
    query = select(m.Change).where(_account_rows(account)).order_by(m.Change.id.desc())
    value = getattr(account, field)
    for change in session.scalars(query):
        if field not in (change.after or {}):
            continue
        if change.origin != "local":
            break
        value = (change.before or {}).get(field, value)
    return value


def undo_local(session: Session, username: str, field: str) -> tuple[Any, Any]:
    """Take back the local edit of a field: the register's value again, and its next run
    writes the field as it does any other; return (before, after)."""
    account = lookup.account(session, username)
    edited = [f for f in account.local_fields.split(",") if f]
    if field not in UNDOABLE or field not in edited:
        raise UsageError(f"{account.username}'s {field} has no local edit to undo")
    before, after = getattr(account, field), register_value(session, account, field)
    setattr(account, field, after)
    account.local_fields = ",".join(f for f in edited if f != field)
    key = account.sync_key or account.username
    log(session, "accounts", account.id, key, "update", {field: before}, {field: after}, UNDONE)
    bump(session)
    return before, after
