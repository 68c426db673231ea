"""Plan memberships and guardian links."""

from __future__ import annotations

from gateway.sync.changes import Ref
from gateway.sync.context import Context
from gateway.sync.state import StoredGroup, StoredMembership
from mapping.records import Membership

# Which settings a membership needs, by group kind and whether the member is a student.
MEMBER_FLAGS: dict[tuple[str, bool], tuple[str, ...]] = {
    ("class", True): ("auto_sync", "sync_classes"),
    ("class", False): ("auto_sync", "sync_classes", "sync_class_teachers"),
    ("subject", True): ("auto_sync", "sync_subjects", "sync_subject_members"),
    ("subject", False): ("auto_sync", "sync_subjects", "sync_subject_members"),
    ("course", True): ("auto_sync", "sync_subjects", "sync_subject_members"),
    ("course", False): ("auto_sync", "sync_subjects", "sync_subject_members"),
}


def _account(ctx: Context, key: str) -> Ref | None:
    """The account a person key refers to: planned, or stored when the feed is a delta."""
    ref = ctx.refs["accounts"].get(key)
    if ref is None and key not in ctx.skipped_persons and key not in ctx.desired.persons:
        stored = ctx.snapshot.accounts.get(key)
        ref = stored.id if stored else None
    return ref


def _group_kind(ctx: Context, key: str) -> str:
    """The kind of a membership's group: class, subject or course."""
    group = ctx.desired.groups.get(key)
    if group is not None:
        return group.kind
    stored = ctx.snapshot.groups.get(key)
    return stored.kind if stored else "class"


def _off(ctx: Context, school: str | int | None, kind: str, student: bool) -> str:
    """The first setting that stops this kind of membership at a school, or ""."""
    settings = ctx.settings(school) if isinstance(school, str) else ctx.settings_by_id(school)
    return next((f for f in MEMBER_FLAGS[(kind, student)] if not getattr(settings, f)), "")


def _unresolved(ctx: Context, m: Membership, what: str, key: str) -> None:
    """Report a membership naming a person or group that exists nowhere."""
    ctx.plan.changes["memberships"].skipped += 1
    ctx.issue(
        "error",
        "unresolved_reference",
        "memberships",
        m.key or f"{m.person}@{m.group}",
        f"{what} {key!r} is not in the feed or the store; skipped",
        m.line,
        m.file,
    )


def _resolve(ctx: Context, m: Membership) -> tuple[Ref, Ref, str] | None:
    """Resolve a membership to (account, group, hierarchy role); None when it is skipped."""
    changes = ctx.plan.changes["memberships"]
    if ctx.is_placement(m.group):
        return None  # a placement: the account's nodes carry it
    account = _account(ctx, m.person)
    if account is None:
        if m.person in ctx.skipped_persons:
            changes.skipped += 1
        else:
            _unresolved(ctx, m, "person", m.person)
        return None
    group = ctx.refs["groups"].get(m.group)
    if group is None:
        if m.group in ctx.snapshot.groups or m.group in ctx.desired.groups or m.group in ctx.tree:
            changes.skipped += 1  # the group itself was skipped by a school setting
        else:
            _unresolved(ctx, m, "group", m.group)
        return None
    profile = ctx.snapshot.matcher.profile_for(m.role)
    if profile is None:
        changes.skipped += 1
        ctx.issue(
            "error",
            "unmapped_role",
            "memberships",
            m.key or f"{m.person}@{m.group}",
            f"role {m.role!r} matches no profile; skipped",
            m.line,
            m.file,
        )
        return None
    school = ctx.group_school(m.group)
    off = _off(ctx, school, _group_kind(ctx, m.group), profile.hierarchy_role == "student")
    if off:
        ctx.block("memberships", school, off)
        return None
    return account, group, profile.hierarchy_role


def _plan_one(ctx: Context, m: Membership, key: tuple[Ref, Ref, str], wanted: set[object]) -> None:
    """Create, update, remove or count one resolved membership."""
    changes = ctx.plan.changes["memberships"]
    stored = ctx.snapshot.memberships.get(key)  # type: ignore[arg-type]
    if m.deleted:
        if stored and stored.origin == "sync" and key not in wanted:
            if ctx.removal_allowed():
                changes.removals.append((stored.id, _label(key), "delete", _before(key, stored)))
        else:
            changes.unchanged += 1
        return
    if key in wanted:
        changes.unchanged += 1  # two feed roles mapping to one hierarchy role
        return
    wanted.add(key)
    after = {"begin": m.begin, "end": m.end, "primary": m.primary}
    if stored is None:
        changes.creates.append((*key, m.begin, m.end, m.primary, "sync"))
        return
    before = {"begin": stored.begin, "end": stored.end, "primary": stored.primary}
    diff = {f: (before[f], v) for f, v in after.items() if before[f] != v}
    if diff:
        changes.updates.append((stored.id, _label(key), diff))
    else:
        changes.unchanged += 1


def _label(key: tuple[Ref, Ref, str]) -> str:
    """A membership's key in the change log: account/group/role."""
    return f"{key[0]}/{key[1]}/{key[2]}"


def _before(key: tuple[Ref, Ref, str], stored: StoredMembership) -> dict[str, object]:
    """A membership row as it was, so a revert can put it back."""
    return {
        "account_id": key[0],
        "group_id": key[1],
        "role": key[2],
        "origin": stored.origin,
        "begin_date": stored.begin,
        "end_date": stored.end,
        "is_primary": stored.primary,
    }


def plan_memberships(ctx: Context) -> None:
    """Plan the feed's memberships, then the removals safe removal allows."""
    wanted: set[object] = set()
    for membership in ctx.desired.memberships.values():
        key = _resolve(ctx, membership)
        if key is not None:
            _plan_one(ctx, membership, key, wanted)
    _remove_stale(ctx, wanted)


def _remove_stale(ctx: Context, wanted: set[object]) -> None:
    """Remove sync memberships of expiring accounts, and in a full snapshot the missing ones."""
    full = "memberships" in ctx.desired.scopes and ctx.policy.removals
    groups = {g.id: g for g in ctx.snapshot.groups.values()}
    removals = ctx.plan.changes["memberships"].removals
    for key, stored in ctx.snapshot.memberships.items():
        if key in wanted:
            continue
        reason = _stale(ctx, key, stored, groups[key[1]], full)
        if reason:
            removals.append((stored.id, _label(key), "delete", _before(key, stored)))
            if reason == "manual":
                ctx.issue(
                    "info",
                    "manual_member_removed",
                    "memberships",
                    _label(key),
                    "manually added member removed: allow_manual_members is off",
                )


def _stale(
    ctx: Context,
    key: tuple[int, int, str],
    stored: StoredMembership,
    group: StoredGroup,
    full: bool,
) -> str:
    """Why a stored membership the feed did not name should go ("" to keep it)."""
    if stored.origin == "sync" and key[0] in ctx.expiring:
        return "expired"
    if not full or _off(ctx, group.school_id, group.kind, key[2] == "student"):
        return ""
    if stored.origin == "sync":
        return "missing"
    return "" if ctx.settings_by_id(group.school_id).allow_manual_members else "manual"


def plan_links(ctx: Context) -> None:
    """Plan guardian links; links of expiring accounts and, in a full snapshot, missing ones go."""
    changes = ctx.plan.changes["guardian_links"]
    wanted: set[tuple[Ref, Ref]] = set()
    for (guardian_key, student_key), link in ctx.desired.links.items():
        guardian, student = _account(ctx, guardian_key), _account(ctx, student_key)
        if guardian is None or student is None:
            changes.skipped += 1
            if guardian_key not in ctx.skipped_persons and student_key not in ctx.skipped_persons:
                missing = guardian_key if guardian is None else student_key
                ctx.issue(
                    "error",
                    "unresolved_reference",
                    "guardian_links",
                    missing,
                    f"person {missing!r} is not in the feed or the store; link skipped",
                    link.line,
                    link.file,
                )
        elif not link.deleted:
            wanted.add((guardian, student))
            if (guardian, student) in ctx.snapshot.links:
                changes.unchanged += 1
            else:
                changes.creates.append((guardian, student))
    full = "guardian_links" in ctx.desired.scopes and ctx.policy.removals
    deleted = {_ids(ctx, g, s) for (g, s), link in ctx.desired.links.items() if link.deleted}
    if deleted and not ctx.removal_allowed():
        deleted = set()
    for (guardian, student), link_id in ctx.snapshot.links.items():
        pair = (guardian, student)
        gone = guardian in ctx.expiring or student in ctx.expiring or pair in deleted
        if pair not in wanted and (gone or full):
            changes.removals.append(
                (
                    link_id,
                    f"{guardian}>{student}",
                    "delete",
                    {"guardian_id": guardian, "student_id": student},
                )
            )


def _ids(ctx: Context, guardian_key: str, student_key: str) -> tuple[Ref | None, Ref | None]:
    """A link's pair of account refs."""
    return _account(ctx, guardian_key), _account(ctx, student_key)
