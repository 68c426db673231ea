"""Plan guardian links: the feed's against those the source made."""

from __future__ import annotations

from gateway.sync.changes import Ref
from gateway.sync.context import Context
from gateway.sync.plan_members import account_ref, skipped_persons


def plan_links(ctx: Context) -> None:
    """Plan guardian links; links of expiring accounts and, in a full snapshot, missing ones go."""
    changes = ctx.plan.changes["guardian_links"]
    wanted: set[tuple[Ref, Ref]] = set()
    deleted: set[tuple[Ref, Ref]] = set()
    of_skipped_persons = outside = 0
    for (guardian_key, student_key), link in ctx.desired.links.items():
        guardian, student = account_ref(ctx, guardian_key), account_ref(ctx, student_key)
        if guardian is None or student is None:
            changes.skipped += 1
            if guardian_key in ctx.skipped_persons or student_key in ctx.skipped_persons:
                of_skipped_persons += 1
            else:
                missing = guardian_key if guardian is None else student_key
                ctx.issue(
                    "error",
                    "unresolved_reference",
                    "guardian_links",
                    missing,
                    f"person {missing!r} is not in the feed or the store; link skipped",
                    link.line,
                    link.file,
                    skipped=1,
                )
        elif isinstance(student, int) and not _student_in_scope(ctx, student):
            outside += 1  # a delta naming a stored pupil of a school the source may not reach
        elif link.deleted:
            deleted.add((guardian, student))
        else:
            wanted.add((guardian, student))
            removed = _removed_link(ctx, guardian, student)
            if (guardian, student) in ctx.snapshot.links:
                changes.unchanged += 1
            elif removed is not None:  # the link comes back: its old row is active again
                diff = {"status": ("removed", "active")}
                changes.updates.append((removed, f"{guardian}>{student}", diff))
            else:
                changes.creates.append((guardian, student))
    if of_skipped_persons:
        skipped_persons(ctx, "guardian_links", of_skipped_persons)
    if outside:
        changes.skipped += outside
        message = f"{outside} guardian_links skipped: the pupil is outside this source's schools"
        ctx.issue("error", "out_of_scope", "guardian_links", "", message, skipped=outside)
    _remove_links(ctx, wanted, deleted)


def _removed_link(ctx: Context, guardian: Ref, student: Ref) -> int | None:
    """The id of a stored link between the two accounts that a run removed, if any."""
    if isinstance(guardian, int) and isinstance(student, int):
        return ctx.snapshot.removed_links.get((guardian, student))
    return None


def _remove_links(
    ctx: Context, wanted: set[tuple[Ref, Ref]], deleted: set[tuple[Ref, Ref]]
) -> None:
    """Links of expiring accounts go; so do deleted ones, and in a full snapshot missing ones."""
    full = "guardian_links" in ctx.desired.scopes
    for (guardian, student), link_id in ctx.snapshot.links.items():
        pair = (guardian, student)
        gone = guardian in ctx.expiring or student in ctx.expiring or pair in deleted
        if pair in wanted or not (gone or full) or not _student_in_scope(ctx, student):
            continue
        expiring = guardian in ctx.expiring or student in ctx.expiring
        if not expiring and isinstance(student, int) and not _links_sync(ctx, student):
            ctx.plan.changes["guardian_links"].unchanged += 1
            continue  # a paused school (auto_sync, sync_guardians off) keeps its links
        if ctx.removal_allowed():
            before = {"guardian_id": guardian, "student_id": student, "status": "active"}
            changes_row = (link_id, f"{guardian}>{student}", "remove", before)
            ctx.plan.changes["guardian_links"].removals.append(changes_row)


def _student_in_scope(ctx: Context, student: int) -> bool:
    """Whether a stored link's pupil is at one of the source's schools, or at none yet."""
    schools = ctx.snapshot.schools_of(student) if ctx.policy.schools else ()
    return not schools or any(ctx.id_in_scope(school) for school in schools)


def _links_sync(ctx: Context, student: int) -> bool:
    """Whether the pupil's schools let this run remove their guardians' links."""
    return ctx.may_remove(ctx.snapshot.schools_of(student), "guardians")
