"""Plan hierarchy nodes and groups (class groups, courses, subject groups)."""

from __future__ import annotations

from typing import Any

from gateway.sync.changes import CREATE_COLUMNS
from gateway.sync.context import Context
from gateway.sync.state import StoredGroup, StoredNode
from mapping.records import Group, Org


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose values differ, as (old, new)."""
    return {name: (before[name], value) for name, value in after.items() if before[name] != value}


def _upsert(
    ctx: Context,
    entity: str,
    key: str,
    stored_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Create the row, update the fields that differ, or count it unchanged."""
    changes = ctx.plan.changes[entity]
    if stored_id is None or before is None:
        row = {"key": key, **after}
        changes.creates.append(tuple(row[c] for c in CREATE_COLUMNS[entity]))
        ctx.refs[entity][key] = key
        return
    ctx.refs[entity][key] = stored_id
    diff = _diff(before, {**after, "status": "active"})
    if diff:
        changes.updates.append((stored_id, key, diff))
    else:
        changes.unchanged += 1


def _inactivate(ctx: Context, entity: str, stored: StoredNode | StoredGroup) -> None:
    """Mark a stored node or group inactive (never deleted)."""
    if stored.status == "active" and ctx.removal_allowed():
        ctx.plan.changes[entity].removals.append(
            (stored.id, stored.key, "inactivate", {"status": stored.status})
        )
    else:
        ctx.plan.changes[entity].unchanged += 1


def _paused(ctx: Context, entity: str, school: str, *flags: str) -> bool:
    """Whether a school's settings stop this record; counts the skip when they do."""
    settings = ctx.settings(school)
    for flag in ("auto_sync", *flags):
        if not getattr(settings, flag):
            ctx.block(entity, school, flag)
            return True
    return False


def plan_nodes(ctx: Context) -> None:
    """Create, update or inactivate hierarchy nodes, parents before children."""
    tree, snapshot = ctx.tree, ctx.snapshot
    ctx.refs["nodes"].update({key: node.id for key, node in snapshot.nodes.items()})
    for org in sorted(ctx.desired.orgs.values(), key=lambda o: tree.depth(o.key)):
        stored = snapshot.nodes.get(org.key)
        if stored and (stored.key != org.key or stored.source_id != snapshot.source_id):
            continue  # a school the feed names by another of its names, or another source's
        if _paused(ctx, "nodes", tree.school(org.key)):
            continue
        if org.deleted:
            if stored:
                _inactivate(ctx, "nodes", stored)
            continue
        if org.parent and org.parent != org.key and org.parent not in tree:
            ctx.issue(
                "warning",
                "unresolved_reference",
                "nodes",
                org.key,
                f"parent {org.parent!r} is not in the feed or the store; placed at the top",
                org.line,
                org.file,
            )
        if org.key in tree.cycles:
            loop = " → ".join([*tree.cycles[org.key], org.key])
            ctx.issue(
                "warning",
                "parent_cycle",
                "nodes",
                org.key,
                f"parents form a cycle ({loop}); placed at the top",
                org.line,
                org.file,
            )
        parent = tree.parent(org.key)
        after = {
            "name": org.name,
            "kind": org.kind,
            "parent": ctx.refs["nodes"].get(parent) if parent else None,
        }
        before = None
        if stored:
            before = {
                "name": stored.name,
                "kind": stored.kind,
                "parent": stored.parent_id,
                "status": stored.status,
            }
        else:
            ctx.plan.new_nodes.append(tree.path(org.key))
        _upsert(ctx, "nodes", org.key, stored.id if stored else None, before, after)
    _inactivate_missing_nodes(ctx)


def _inactivate_missing_nodes(ctx: Context) -> None:
    """In a full snapshot, nodes the feed no longer sends become inactive."""
    if "nodes" not in ctx.desired.scopes:
        return
    for key, node in ctx.snapshot.nodes.items():
        if key in ctx.desired.orgs or node.status != "active":
            continue
        if ctx.settings_by_id(ctx.snapshot.school_of_node(node.id)).auto_sync:
            _inactivate(ctx, "nodes", node)


def _stored_group(group: StoredGroup) -> dict[str, Any]:
    """A stored group's fields in plan terms."""
    return {
        "name": group.name,
        "kind": group.kind,
        "node": group.node_id,
        "school": group.school_id,
        "course": group.course_id,
        "subjects": group.subjects,
        "begin": group.begin,
        "end": group.end,
        "status": group.status,
    }


def _plan_group(
    ctx: Context, key: str, school: str, deleted: bool, after: dict[str, Any], flag: str
) -> None:
    """Plan one group against its stored row, honouring its school's settings."""
    stored = ctx.snapshot.groups.get(key)
    if _paused(ctx, "groups", school, flag):
        if stored:
            ctx.refs["groups"][key] = stored.id
        return
    if deleted:
        if stored:
            ctx.refs["groups"][key] = stored.id
            _inactivate(ctx, "groups", stored)
        return
    after = {**after, "school": ctx.refs["nodes"].get(school) if school else None}
    _upsert(
        ctx,
        "groups",
        key,
        stored.id if stored else None,
        _stored_group(stored) if stored else None,
        after,
    )


def _class_group(ctx: Context, org: Org) -> None:
    """Every class node owns a class group with the same key."""
    after = {
        "name": org.name,
        "kind": "class",
        "node": ctx.refs["nodes"].get(org.key),
        "course": None,
        "subjects": "",
        "begin": None,
        "end": None,
    }
    _plan_group(ctx, org.key, ctx.tree.school(org.key), org.deleted, after, "sync_classes")


def _group_school(ctx: Context, group: Group) -> str:
    """The school a course or subject group belongs to, by key."""
    if group.school and group.school not in ctx.tree:
        ctx.issue(
            "warning",
            "unresolved_reference",
            "groups",
            group.key,
            f"school {group.school!r} is not in the feed or the store",
            group.line,
            group.file,
        )
        return ""
    return ctx.tree.school(group.school) if group.school else ""


def _feed_group(ctx: Context, group: Group) -> None:
    """Plan a course or subject group from the feed."""
    course = ctx.refs["groups"].get(group.course) if group.course else None
    if group.course and course is None and group.course not in ctx.snapshot.groups:
        ctx.issue(
            "warning",
            "unresolved_reference",
            "groups",
            group.key,
            f"course {group.course!r} is not in the feed or the store",
            group.line,
            group.file,
        )
    after = {
        "name": group.name,
        "kind": group.kind,
        "node": None,
        "course": course,
        "subjects": ", ".join(group.subjects),
        "begin": group.begin,
        "end": group.end,
    }
    _plan_group(ctx, group.key, _group_school(ctx, group), group.deleted, after, "sync_subjects")


def plan_groups(ctx: Context) -> None:
    """Plan class groups, then courses, then subject groups (which point at courses)."""
    ctx.refs["groups"].update({key: g.id for key, g in ctx.snapshot.groups.items()})
    for org in ctx.desired.orgs.values():
        if org.kind == "class":
            _class_group(ctx, org)
    groups = ctx.desired.groups.values()
    for group in sorted(groups, key=lambda g: g.kind != "course"):
        _feed_group(ctx, group)
    _inactivate_missing_groups(ctx)


def _inactivate_missing_groups(ctx: Context) -> None:
    """In a full snapshot, groups the feed no longer sends become inactive."""
    classes = {k for k, o in ctx.desired.orgs.items() if o.kind == "class"}
    for key, group in ctx.snapshot.groups.items():
        full = "nodes" if group.kind == "class" else "groups"
        if full not in ctx.desired.scopes or key in classes or key in ctx.desired.groups:
            continue
        settings = ctx.settings_by_id(group.school_id)
        flag = "sync_classes" if group.kind == "class" else "sync_subjects"
        if settings.auto_sync and getattr(settings, flag) and group.status == "active":
            _inactivate(ctx, "groups", group)
