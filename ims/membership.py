"""``membership`` element → one Membership per member role.

The membership's own ``sourcedid`` is the group's key (or any node's: the engine
tells a group from a class node or a placement). Roles are kept exactly as sent
("01", "02", ...). A role is gone when ``role@recstatus="3"`` or ``status`` is 0.
Role dates count only when ``restrict="1"``, as in the spec and Moodle.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ims import quirks, tree
from ims.context import Context
from mapping.records import Membership, RowIssue

Element = etree._Element


def read_membership(element: Element, ctx: Context) -> Iterator[Membership | RowIssue]:
    """Turn one ``membership`` into Memberships, one per member role."""
    group, source = tree.key(element), tree.source(element)
    if not group:
        message = "membership without sourcedid/id (the group's key); skipped"
        yield ctx.issue("error", "missing_key", message, entity="memberships", at=element)
        return
    for member in tree.children(element, "member"):
        yield from _member(member, group, source, ctx)


def _member(
    member: Element, group: str, source: str, ctx: Context
) -> Iterator[Membership | RowIssue]:
    """The memberships of one member, or the issue that stops it."""
    person, idtype = tree.key(member), quirks.idtype(member)
    if idtype != "1":
        yield _not_a_person(member, person, group, idtype, ctx)
        return
    key = f"{person}@{group}"
    if not person:
        message = f"member of {group!r} without sourcedid/id; skipped"
        yield ctx.issue("error", "missing_key", message, entity="memberships", key=key, at=member)
        return
    roles = list(tree.children(member, "role"))
    if not roles:
        message = f"member {person!r} of {group!r} has no role; skipped"
        yield ctx.issue("error", "missing_role", message, entity="memberships", key=key, at=member)
    for role in roles:
        roletype = quirks.roletype(role)
        if not roletype:
            message = f"role of {person!r} in {group!r} has no roletype; skipped"
            yield ctx.issue(
                "error", "missing_role", message, entity="memberships", key=key, at=role
            )
            continue
        record, issues = _membership(role, roletype, person, group, source, ctx)
        yield from issues
        yield from ctx.refs.link(record)


def _membership(
    role: Element, roletype: str, person: str, group: str, source: str, ctx: Context
) -> tuple[Membership, list[RowIssue]]:
    """The Membership one role stands for, and any issues with its dates."""
    key = f"{person}@{group}"
    begin, begin_issues = ctx.date(_restricted(role, "begin"), "memberships", key)
    end, end_issues = ctx.date(_restricted(role, "end"), "memberships", key)
    deleted = tree.attr(role, "recstatus") == "3" or tree.text(role, "status") == "0"
    primary = {"1": True, "0": False}.get(
        tree.text(role, "extension", "pifu_primaryRelation") or ""
    )
    record = Membership(
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
    return record, begin_issues + end_issues


def _restricted(role: Element, edge: str) -> Element | None:
    """``timeframe/begin`` or ``end`` of a role, when it is enforced (``restrict="1"``)."""
    element = tree.child(role, "timeframe", edge)
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
