"""``group`` element → Org (a hierarchy node) or Group, by the typevalue table.

``relationship relation="1"`` names the parent; a node that names itself is a
root. A Group is placed under its nearest school, and under its parent when that
is a course (see ``ims.refs``).

A group with no parent but an ``org/orgunit`` (Moodle's examples) is placed the
way Moodle files a course in a category: the first orgunit becomes a school node
keyed and named by its text, each further orgunit a department below it (keyed
by the path, e.g. ``Faculty/Maths``), and the group belongs to the innermost.
Each such node is yielded once per file.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from lxml import etree

from ims import tree, types
from ims.context import Context
from ims.refs import Node
from mapping.records import Group, GroupKind, Org, OrgKind, RowIssue

Element = etree._Element


def read_group(element: Element, ctx: Context) -> Iterator[Org | Group | RowIssue]:
    """Turn one ``group`` into an Org or a Group (plus any nodes from its orgunits)."""
    key = tree.key(element)
    if not key:
        message = "group without sourcedid/id; skipped"
        yield ctx.issue("error", "missing_key", message, entity="groups", at=element)
        return
    node_type, unknown = types.classify(tree.text(v) or "" for v in _typevalues(element))
    if unknown:
        message = f"grouptype {unknown!r} is not in the typevalue table; read as a course"
        yield from ctx.once("unknown_grouptype", unknown, message, entity="groups", at=element)
    parent = _parent(element, key)
    if node_type.org is None:
        yield from _group(element, key, node_type.group, parent, ctx)
        return
    ctx.refs.nodes[key] = Node(node_type.org, None, parent)
    deleted = tree.attr(element, "recstatus") == "3"
    yield Org(
        key,
        _name(element, key),
        node_type.org,
        parent,
        deleted,
        tree.source(element),
        tree.line(element),
        ctx.file,
    )


def _group(
    element: Element, key: str, kind: GroupKind, parent: str, ctx: Context
) -> Iterator[Org | Group | RowIssue]:
    """A course or subject group, placed once its ancestors are known."""
    source = tree.source(element)
    if not parent:
        parent = yield from _orgunits(element, source, ctx)
    begin, begin_issues = ctx.date(tree.child(element, "timeframe", "begin"), "groups", key)
    end, end_issues = ctx.date(tree.child(element, "timeframe", "end"), "groups", key)
    yield from begin_issues + end_issues
    ctx.refs.nodes[key] = Node(None, kind, parent)
    deleted = tree.attr(element, "recstatus") == "3"
    group = Group(
        key,
        _name(element, key),
        kind,
        begin=begin,
        end=end,
        deleted=deleted,
        source=source,
        line=tree.line(element),
        file=ctx.file,
    )
    yield from ctx.refs.place(group, parent)


def _typevalues(element: Element) -> Iterator[Element]:
    """Every ``grouptype/typevalue`` of the group, in order."""
    for grouptype in tree.children(element, "grouptype"):
        yield from tree.children(grouptype, "typevalue")


def _parent(element: Element, key: str) -> str:
    """The first ``relationship relation="1"`` target; "" for a root (none, or itself)."""
    for relationship in tree.children(element, "relationship"):
        if tree.attr(relationship, "relation") == "1":
            parent = tree.key(relationship)
            return "" if parent == key else parent
    return ""


def _name(element: Element, key: str) -> str:
    """``description/short``, else ``long``, else ``full``, else the key."""
    parts = (tree.text(element, "description", part) for part in ("short", "long", "full"))
    return next((part for part in parts if part), key)


def _orgunits(element: Element, source: str, ctx: Context) -> Generator[Org, None, str]:
    """Yield the nodes ``org/orgunit`` stands for (once per file); return the innermost key."""
    org = tree.child(element, "org")
    parent = ""
    for unit in tree.children(org, "orgunit"):
        name = tree.text(unit)
        if not name:
            break  # a nameless unit ends the path, as in Moodle
        key = f"{parent}/{name}" if parent else name
        if key not in ctx.refs.nodes:
            kind: OrgKind = "department" if parent else "school"
            ctx.refs.nodes[key] = Node(kind, None, parent)
            yield Org(key, name, kind, parent, source=source, line=tree.line(unit), file=ctx.file)
        parent = key
    return parent
