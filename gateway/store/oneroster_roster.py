"""The provider's ``Roster`` over the store: rows of ``oneroster_view`` as 1.2 JSON objects.

A user's roles are worked out per page: one role (its profile's) at each org it
is placed at or whose groups it is in (a class's school, found up the
hierarchy), the first of them primary; a user in no org (a guardian) takes those
of the users it is linked to. Its agents are its live guardian links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import models as m
from gateway.store import oneroster_view as view
from oneroster.filters import Query


def stamp(moment: datetime) -> str:
    """A stored UTC time as the binding's date-time, to the microsecond the store keeps.

    Cut to milliseconds, a delta cursor would sit below the records it came from,
    and the next delta would serve them again.
    """
    return f"{moment:%Y-%m-%dT%H:%M:%S.%f}Z"


def ref(kind: str, key: str | None) -> dict[str, str]:
    """A reference, its href left to the provider."""
    return {"sourcedId": key or "", "type": kind}


def _base(row: Row[Any]) -> dict[str, Any]:
    """The fields every record has."""
    return {
        "sourcedId": row.sourcedId,
        "status": row.status,
        "dateLastModified": stamp(row.dateLastModified),
    }


def _list(text: str | None) -> list[str]:
    """A comma-separated cell as a list."""
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def _day(value: date | None) -> str | None:
    """A date as ISO text."""
    return value.isoformat() if value else None


def _org(row: Row[Any]) -> dict[str, Any]:
    out = {**_base(row), "name": row.name, "type": row.type, "identifier": row.identifier}
    if row.parent:
        out["parent"] = ref("org", row.parent)
    return out


def _session(row: Row[Any]) -> dict[str, Any]:
    return {
        **_base(row),
        "title": row.title,
        "type": row.type,
        "startDate": _day(row.startDate),
        "endDate": _day(row.endDate),
        "schoolYear": row.schoolYear,
    }


def _course(row: Row[Any]) -> dict[str, Any]:
    out = {**_base(row), "title": row.title, "courseCode": row.courseCode}
    if row.org:
        out["org"] = ref("org", row.org)
    if row.schoolYear:
        out["schoolYear"] = ref("academicSession", row.schoolYear)
    out["subjects"] = _list(row.subjects)
    return out


def _class(row: Row[Any]) -> dict[str, Any]:
    # course and terms are required by the 1.2 schema: a class without them names "".
    return {
        **_base(row),
        "title": row.title,
        "classCode": row.classCode,
        "classType": row.classType,
        "course": ref("course", row.course),
        "school": ref("org", row.school),
        "terms": [ref("academicSession", row.term)],
        "grades": [row.grade] if row.grade else [],
        "subjects": _list(row.subjects),
    }


def _enrollment(row: Row[Any]) -> dict[str, Any]:
    out = {
        **_base(row),
        "user": ref("user", row.user),
        "class": ref("class", row._mapping["class"]),
        "school": ref("org", row.school),
        "role": row.role,
    }
    for name, value in (
        ("primary", row.primary),
        ("beginDate", _day(row.beginDate)),
        ("endDate", _day(row.endDate)),
    ):
        if value is not None:
            out[name] = value
    return out


def _user(row: Row[Any]) -> dict[str, Any]:
    return {
        **_base(row),
        "enabledUser": row.enabledUser,
        "username": row.username,
        "givenName": row.givenName,
        "familyName": row.familyName,
        "email": row.email,
        "roles": [],
        "agents": [],
    }


RENDER: dict[str, Callable[[Row[Any]], dict[str, Any]]] = {
    "orgs": _org,
    "academicSessions": _session,
    "courses": _course,
    "classes": _class,
    "users": _user,
    "enrollments": _enrollment,
    "demographics": _base,
}


def _orgs_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """The org keys of each account: where it is placed, and its groups' schools."""
    columns = (m.Node.id, m.Node.parent_id, m.Node.kind, m.Node.sync_key)
    nodes = {n.id: n for n in session.execute(select(*columns))}

    def org(node_id: int | None) -> str | None:
        seen = 0
        while node_id is not None and seen < 32:
            node = nodes.get(node_id)
            if node is None:
                return None
            if node.kind in view.ORG_KINDS:
                return str(node.sync_key)
            node_id, seen = node.parent_id, seen + 1
        return None

    found: dict[int, list[str]] = {i: [] for i in ids}
    placed = select(m.Placement.account_id, m.Placement.node_id).where(
        m.Placement.account_id.in_(ids), m.Placement.status == "active"
    )
    grouped = (
        select(m.Membership.account_id, m.Group.school_id)
        .join(m.Group, m.Group.id == m.Membership.group_id)
        .where(m.Membership.account_id.in_(ids), m.Membership.status == "active")
    )
    for account_id, node_id in [*session.execute(placed), *session.execute(grouped)]:
        key = org(node_id)
        if key and key not in found[account_id]:
            found[account_id].append(key)
    return found


def _agents_of(session: Session, ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """The ids and keys of the other sides of each account's live guardian links."""
    other = m.Account.__table__.alias("other")
    found: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    link = m.GuardianLink
    for mine, theirs in (
        (link.guardian_id, link.student_id),
        (link.student_id, link.guardian_id),
    ):
        rows = session.execute(
            select(mine, other.c.id, view.account_key(other.c))
            .join(other, other.c.id == theirs)
            .where(mine.in_(ids), link.status == "active")
        )
        for account_id, other_id, key in rows:
            found[account_id].append((other_id, key))
    return found


def _with_roles(session: Session, rows: Iterable[Row[Any]], users: list[dict[str, Any]]) -> None:
    """Fill in the users' roles, primaryOrg and agents.

    A guardian placed nowhere takes the orgs of the students it is guardian of.
    """
    ids = [row._id for row in rows]
    agents = _agents_of(session, ids)
    orgs = _orgs_of(session, [*ids, *(a for found in agents.values() for a, _ in found)])
    for row, user in zip(rows, users, strict=True):
        theirs = (key for other, _ in agents[row._id] for key in orgs[other])
        keys = orgs[row._id] or list(dict.fromkeys(theirs)) or [""]
        user["roles"] = [
            {"roleType": "secondary" if n else "primary", "role": row.role, "org": ref("org", k)}
            for n, k in enumerate(keys)
        ]
        if keys[0]:
            user["primaryOrg"] = ref("org", keys[0])
        user["agents"] = [ref("user", k) for _, k in agents[row._id]]


class StoreRoster:
    """Read-only OneRoster entities from the store."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]]) -> None:
        self._sessions = sessions

    def read(self, entity: str, query: Query) -> tuple[int, list[dict[str, Any]]]:
        """The total matching ``query`` and the page it asks for."""
        count, page = view.query(entity, query)
        with self._sessions()() as session:
            total = int(session.scalar(count) or 0)
            rows = list(session.execute(page)) if total > query.offset else []
            records = [RENDER[entity](row) for row in rows]
            if entity == "users" and rows:
                _with_roles(session, rows, records)
        return total, records
