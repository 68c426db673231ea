"""``membership`` element → one Membership per member role.

The membership's own ``sourcedid`` is the group's key (or any node's: the engine
tells a group from a class node or a placement). Roles are kept exactly as sent
("01", "02", ...). A role is gone when ``role@recstatus="3"`` or ``status`` is 0.
Role dates count only when ``restrict="1"``, as in the spec and Moodle.

A large file holds a million member roles, so each element's children are read
in one pass (``tree.by_name``) and looked up from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from lxml import etree

from ims import quirks, tree
from ims.context import Context
from mapping.records import Membership, RowIssue

Element = etree._Element

PRIMARY = {"1": True, "0": False}
MEMBER = "{*}member"  # in any namespace, or none


def read_membership(element: Element, ctx: Context) -> Iterator[Membership | RowIssue]:
    """Turn one ``membership`` into Memberships, one per member role."""
    group, source = tree.ids(tree.child(element, "sourcedid"))
    if not group:
        message = "membership without sourcedid/id (the group's key); skipped"
        yield ctx.issue("error", "missing_key", message, entity="memberships", at=element)
        return
    # lxml matches the members in C: no tag to build for each of the hundreds of them.
    for member in element.iterchildren(MEMBER):
        yield from _member(member, group, source, ctx)


def _member(
    member: Element, group: str, source: str, ctx: Context
) -> Iterator[Membership | RowIssue]:
    """The memberships of one member, or the issue that stops it."""
    children = tree.by_name(member)
    person = tree.text(tree.first(children, "sourcedid"), "id") or ""
    idtype = quirks.idtype(tree.first(children, "idtype"))
    if idtype != "1":
        yield _not_a_person(member, person, group, idtype, ctx)
        return
    if not person:
        message = f"member of {group!r} without sourcedid/id; skipped"
        yield _issue("missing_key", message, person, group, member, ctx)
        return
    roles = children.get("role", ())
    if not roles:
        message = f"member {person!r} of {group!r} has no role; skipped"
        yield _issue("missing_role", message, person, group, member, ctx)
    for role in roles:
        details = tree.firsts(role)
        roletype = quirks.roletype(role, details.get("roletype"))
        if not roletype:
            message = f"role of {person!r} in {group!r} has no roletype; skipped"
            yield _issue("missing_role", message, person, group, role, ctx)
            continue
        timeframe = details.get("timeframe")
        begin = end = None
        if timeframe is not None:  # rare: most roles have no dates
            begin, end, issues = _timeframe(timeframe, f"{person}@{group}", ctx)
            yield from issues
        record = _membership(role, details, roletype, person, group, source, ctx, begin, end)
        if not ctx.refs.hold(record):
            yield record


def _membership(
    role: Element,
    details: dict[str, Element],
    roletype: str,
    person: str,
    group: str,
    source: str,
    ctx: Context,
    begin: date | None,
    end: date | None,
) -> Membership:
    """The Membership one role (with its children ``details``) stands for."""
    deleted = tree.attr(role, "recstatus") == "3" or tree.text(details.get("status")) == "0"
    primary = _primary(details.get("extension"))
    return Membership(
        person,
        group,
        roletype,
        deleted,
        primary,
        begin,
        end,
        source=source,
        line=tree.line(role),
        file=ctx.file,
    )


def _primary(extension: Element | None) -> bool | None:
    """PIFU's ``extension/pifu_primaryRelation`` of a role: True, False or None (not sent)."""
    if extension is None:  # the common case
        return None
    return PRIMARY.get(tree.text(extension, "pifu_primaryRelation") or "")


def _timeframe(
    timeframe: Element, key: str, ctx: Context
) -> tuple[date | None, date | None, list[RowIssue]]:
    """A role's enforced begin and end dates, and any issues with them."""
    edges = tree.firsts(timeframe)
    begin, begin_issues = ctx.date(_restricted(edges, "begin"), "memberships", key)
    end, end_issues = ctx.date(_restricted(edges, "end"), "memberships", key)
    return begin, end, begin_issues + end_issues


def _issue(code: str, message: str, person: str, group: str, at: Element, ctx: Context) -> RowIssue:
    """An error about one member, keyed ``person@group``."""
    return ctx.issue("error", code, message, entity="memberships", key=f"{person}@{group}", at=at)


def _restricted(edges: dict[str, Element], edge: str) -> Element | None:
    """``timeframe/begin`` or ``end`` of a role, when it is enforced (``restrict="1"``)."""
    element = edges.get(edge)
    return element if tree.attr(element, "restrict") == "1" else None


def _not_a_person(member: Element, key: str, group: str, idtype: str, ctx: Context) -> RowIssue:
    """The warning for a member that is a group (idtype 2) or of an unknown idtype."""
    if idtype == "2":
        message = f"group {key!r} as a member of {group!r} (idtype 2) is not supported; ignored"
        code = "unsupported_group_member"
    else:
        message = f"member {key!r} of {group!r} has idtype {idtype!r} (1 = person); ignored"
        code = "unknown_idtype"
    return ctx.issue(
        "warning", code, message, entity="memberships", key=f"{key}@{group}", at=member
    )
