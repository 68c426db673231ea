"""The store as OneRoster 1.2 entities: one SELECT per entity, filtered, sorted and paged in SQL.

Each entity is a subquery whose columns carry the OneRoster field names
(``sourcedId``, ``status``, ``dateLastModified`` …) plus the row's ``_id``; a
parsed filter becomes SQLAlchemy comparisons on those columns, and the
provider's relation fields (``@school``, ``@class`` …) become ``_id IN (…)``
subqueries. Nothing is built from the request's text.

How the store maps: nodes of kind school owner, school and department are orgs
(district, school, department); course groups are courses; subject groups are
scheduled classes and class groups homerooms; accounts are users, with the role
of their profile; memberships in classes are enrollments. Terms are made from
the distinct begin and end dates of groups. A record is ``tobedeleted`` when
its row is expired, inactive or removed, and ``dateLastModified`` is its latest
entry in the change log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import CompoundSelect

from gateway.store import models as m
from oneroster.filters import Clause, Query, bad_filter

Rows = Select[*tuple[Any, ...]]
EPOCH = datetime(2000, 1, 1)
ORG_KINDS = {"school_owner": "district", "school": "school", "department": "department"}
USER_ROLES = {"student": "student", "teacher": "teacher", "guardian": "guardian"}
USER_ROLES |= {"admin": "siteAdministrator"}
ENROLLMENT_ROLES = {"student": "student", "teacher": "teacher", "admin": "administrator"}
DATETIMES = frozenset({"dateLastModified"})
DATES = frozenset({"startDate", "endDate", "beginDate"})


def modified(entity: str, row_id: Any) -> ColumnElement[datetime]:
    """A row's latest change in the change log (or a fixed old date when it has none)."""
    latest = (
        select(func.max(m.Change.at))
        .where(m.Change.entity == entity, m.Change.row_id == row_id)
        .scalar_subquery()
    )
    return func.coalesce(latest, literal(EPOCH, DateTime))


def status(active: ColumnElement[bool]) -> ColumnElement[str]:
    """``active`` or ``tobedeleted``."""
    return case((active, "active"), else_="tobedeleted")


def vocabulary(column: Any, words: dict[str, str]) -> ColumnElement[str]:
    """A store word as a OneRoster word; one without an equivalent as ``ext:<word>``."""
    return case(*((column == k, v) for k, v in words.items()), else_=literal("ext:") + column)


def account_key(table: Any) -> ColumnElement[str]:
    """An account's sourcedId: its sync key, or a stable one made from its id."""
    return func.coalesce(table.sync_key, literal("account-") + cast(table.id, String))


def term_key(begin: Any, end: Any) -> ColumnElement[str | None]:
    """The sourcedId of the term a group's dates make (none without both)."""
    made = literal("term-") + cast(begin, String) + literal("-") + cast(end, String)
    return case((and_(begin.is_not(None), end.is_not(None)), made), else_=None)


def _base(
    key: Any, active: ColumnElement[bool], entity: str, row_id: Any
) -> tuple[ColumnElement[Any], ...]:
    """The fields every OneRoster entity starts with: sourcedId, status, dateLastModified."""
    return (
        key.label("sourcedId"),
        status(active).label("status"),
        modified(entity, row_id).label("dateLastModified"),
    )


def _orgs() -> Rows:
    """Nodes that are orgs."""
    node, parent = m.Node, aliased(m.Node)
    return (
        select(
            *_base(node.sync_key, node.status == "active", "nodes", node.id),
            node.name.label("name"),
            vocabulary(node.kind, ORG_KINDS).label("type"),
            node.sync_key.label("identifier"),
            parent.sync_key.label("parent"),
            node.id.label("_id"),
        )
        .outerjoin(parent, and_(parent.id == node.parent_id, parent.kind.in_(ORG_KINDS)))
        .where(node.kind.in_(ORG_KINDS))
    )


def _courses() -> Rows:
    """Course groups."""
    group, school = m.Group, aliased(m.Node)
    return (
        select(
            *_base(group.sync_key, group.status == "active", "groups", group.id),
            group.name.label("title"),
            group.sync_key.label("courseCode"),
            school.sync_key.label("org"),
            term_key(group.begin_date, group.end_date).label("schoolYear"),
            group.subjects.label("subjects"),
            group.id.label("_id"),
        )
        .outerjoin(school, school.id == group.school_id)
        .where(group.kind == "course")
    )


def _classes() -> Rows:
    """Subject groups (scheduled) and class groups (homerooms)."""
    group, course, school = m.Group, aliased(m.Group), aliased(m.Node)
    node, year = aliased(m.Node), aliased(m.Node)
    return (
        select(
            *_base(group.sync_key, group.status == "active", "groups", group.id),
            group.name.label("title"),
            group.sync_key.label("classCode"),
            case((group.kind == "class", "homeroom"), else_="scheduled").label("classType"),
            course.sync_key.label("course"),
            school.sync_key.label("school"),
            term_key(group.begin_date, group.end_date).label("term"),
            year.name.label("grade"),
            group.subjects.label("subjects"),
            group.id.label("_id"),
        )
        .outerjoin(course, course.id == group.course_id)
        .outerjoin(school, school.id == group.school_id)
        .outerjoin(node, node.id == group.node_id)
        .outerjoin(year, and_(year.id == node.parent_id, year.kind == "year"))
        .where(group.kind.in_(("subject", "class")))
    )


def _users() -> Rows:
    """Accounts, with the role of their profile."""
    account = m.Account
    return select(
        *_base(account_key(account), account.status != "expired", "accounts", account.id),
        case((account.status == "active", "true"), else_="false").label("enabledUser"),
        account.username.label("username"),
        account.given_name.label("givenName"),
        account.family_name.label("familyName"),
        account.email.label("email"),
        vocabulary(m.Profile.hierarchy_role, USER_ROLES).label("role"),
        account.id.label("_id"),
    ).join(m.Profile, m.Profile.id == account.profile_id)


def _enrollments() -> Rows:
    """Memberships in classes."""
    member, group, school = m.Membership, m.Group, aliased(m.Node)
    key = func.coalesce(member.sync_key, literal("membership-") + cast(member.id, String))
    primary = case((member.is_primary.is_(True), "true"), (member.is_primary.is_(False), "false"))
    return (
        select(
            *_base(key, member.status == "active", "memberships", member.id),
            vocabulary(member.role, ENROLLMENT_ROLES).label("role"),
            primary.label("primary"),
            member.begin_date.label("beginDate"),
            member.end_date.label("endDate"),
            account_key(m.Account).label("user"),
            group.sync_key.label("class"),
            school.sync_key.label("school"),
            member.id.label("_id"),
        )
        .join(m.Account, m.Account.id == member.account_id)
        .join(group, group.id == member.group_id)
        .outerjoin(school, school.id == group.school_id)
        .where(group.kind.in_(("subject", "class")))
    )


def _sessions() -> Rows:
    """One term per distinct pair of group dates, as recent as its latest group."""
    group = m.Group
    key = term_key(group.begin_date, group.end_date)
    return (
        select(
            key.label("sourcedId"),
            literal("active").label("status"),
            func.max(modified("groups", group.id)).label("dateLastModified"),
            key.label("title"),
            literal("term").label("type"),
            group.begin_date.label("startDate"),
            group.end_date.label("endDate"),
            func.substr(cast(group.end_date, String), 1, 4).label("schoolYear"),
            func.min(group.id).label("_id"),
        )
        .where(group.begin_date.is_not(None), group.end_date.is_not(None))
        .group_by(group.begin_date, group.end_date)
    )


def _demographics() -> Rows:
    """No demographics: the gateway keeps none."""
    return select(
        literal("").label("sourcedId"),
        literal("active").label("status"),
        literal(EPOCH, DateTime).label("dateLastModified"),
        literal(0).label("_id"),
    ).where(false())


SELECTS: dict[str, Callable[[], Rows]] = {
    "orgs": _orgs,
    "academicSessions": _sessions,
    "courses": _courses,
    "classes": _classes,
    "users": _users,
    "enrollments": _enrollments,
    "demographics": _demographics,
}


def _in_school(key: str) -> CompoundSelect[*tuple[Any, ...]]:
    """Accounts placed at a school or below it (two levels: year, class), or in its groups."""
    node, up, top = aliased(m.Node), aliased(m.Node), aliased(m.Node)
    placed = (
        select(m.Placement.account_id)
        .join(node, node.id == m.Placement.node_id)
        .outerjoin(up, up.id == node.parent_id)
        .outerjoin(top, top.id == up.parent_id)
        .where(m.Placement.status == "active")
        .where(or_(node.sync_key == key, up.sync_key == key, top.sync_key == key))
    )
    school = aliased(m.Node)
    grouped = (
        select(m.Membership.account_id)
        .join(m.Group, m.Group.id == m.Membership.group_id)
        .join(school, school.id == m.Group.school_id)
        .where(school.sync_key == key, m.Membership.status == "active")
    )
    return placed.union(grouped)


def _in_class(key: str) -> Rows:
    """Accounts with a live membership in a class."""
    return (
        select(m.Membership.account_id)
        .join(m.Group, m.Group.id == m.Membership.group_id)
        .where(m.Group.sync_key == key, m.Membership.status == "active")
    )


def _classes_of(key: str) -> Rows:
    """Groups a user has a live membership in."""
    return (
        select(m.Membership.group_id)
        .join(m.Account, m.Account.id == m.Membership.account_id)
        .where(account_key(m.Account) == key, m.Membership.status == "active")
    )


def relation(entity: str, name: str, value: str, sq: Subquery) -> ColumnElement[bool]:
    """A provider relation field (``@school`` …) as a condition on the entity's rows."""
    c = sq.c
    if entity == "users":
        return c._id.in_(_in_school(value) if name == "@school" else _in_class(value))
    if entity == "classes" and name == "@user":
        return c._id.in_(_classes_of(value))
    if entity == "enrollments" and name == "@class":
        return c["class"] == value
    column = {"@school": "school", "@course": "course", "@term": "term"}.get(name, "")
    if entity == "courses" and name == "@school":
        column = "org"
    return c[column] == value if column in c else false()


def _value(name: str, value: str) -> Any:
    """A filter's text as the column's type: date-times in UTC, dates as dates."""
    try:
        if name in DATETIMES:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return moment
        if name in DATES:
            return date.fromisoformat(value)
    except ValueError:
        raise bad_filter(f"{name}: {value!r} is no ISO 8601 date or date-time") from None
    return value


def condition(entity: str, clause: Clause, sq: Subquery) -> ColumnElement[bool]:
    """One clause as a SQL condition on ``sq``."""
    if clause.field.startswith("@"):
        return relation(entity, clause.field, clause.value, sq)
    column, value = sq.c[clause.field], _value(clause.field, clause.value)
    if clause.op == "~":
        return cast(column, String).icontains(clause.value, autoescape=True)
    ops: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    return ops[clause.op](column, value)


def query(entity: str, q: Query) -> tuple[Rows, Rows]:
    """The count and the page of ``entity`` that ``q`` asks for."""
    sq = SELECTS[entity]().subquery(entity)
    where = or_(*(and_(true(), *(condition(entity, c, sq) for c in ands)) for ands in q.where()))
    order = sq.c[q.sort or "sourcedId"]
    order_by = [order.desc() if q.descending else order.asc(), sq.c._id]
    count = select(func.count()).select_from(sq).where(where)
    page = select(sq).where(where).order_by(*order_by).limit(q.limit).offset(q.offset)
    return count, page
