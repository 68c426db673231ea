"""Plan memberships: the feed's against those stored in the source's groups.

At a million memberships the per-row work is a few dict lookups: what a group
key resolves to, what a role word maps to and which settings apply are worked
out once per group and role, and stored rows seen are marked in a bytearray.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from operator import itemgetter

from gateway.sync.changes import Ref
from gateway.sync.context import Context
from gateway.sync.desired import MembershipKey
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


GROUP_FLAGS = {"class": "sync_classes", "subject": "sync_subjects", "course": "sync_subjects"}


@dataclass(frozen=True, slots=True)
class Target:
    """What a membership's group key resolves to, worked out once per key."""

    ref: Ref | None
    kind: str
    school: str
    why: str = ""  # "placement", "deleted", "off:<school>:<setting>" or "unknown" without a ref


def account_ref(ctx: Context, key: str) -> Ref | None:
    """The account a person key refers to: planned, or stored when the feed is a delta."""
    ref = ctx.refs["accounts"].get(key)
    if ref is None and key not in ctx.skipped_persons and key not in ctx.desired.persons:
        stored = ctx.snapshot.accounts.get(key)
        ref = stored.id if stored else None
    return ref


def _target(ctx: Context, key: str) -> Target:
    """Resolve a group key: a group, a class node's group, a placement, or nothing."""
    if ctx.is_placement(key):
        return Target(None, "", "", "placement")
    group, org = ctx.desired.groups.get(key), ctx.desired.orgs.get(key)
    stored = ctx.snapshot.groups.get(key)
    kind = group.kind if group else (stored.kind if stored else "class")
    ref = ctx.refs["groups"].get(key)
    if ref is None and ((group and group.deleted) or (org and org.deleted)):
        return Target(None, kind, "", "deleted")  # deleted before it was ever stored
    if ref is not None:
        return Target(ref, kind, ctx.group_school(key))
    if not (group or stored or key in ctx.tree):
        return Target(None, kind, "", "unknown")
    # The group exists but its school's settings keep it out of this run.
    school = ctx.group_school(key)
    settings = ctx.settings(school)
    flag = next(f for f in ("auto_sync", GROUP_FLAGS[kind]) if not getattr(settings, f))
    return Target(None, kind, school, f"off:{school}:{flag}")


class _Planner:
    """Plans the feed's memberships one by one, with caches per group, role and setting."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.changes = ctx.plan.changes["memberships"]
        self.stored = ctx.snapshot.memberships
        self.seen = bytearray(len(self.stored))
        self.targets: dict[str, Target] = {}
        self.roles: dict[str, str | None] = {}
        self.off: dict[tuple[str, str, bool], str] = {}
        self.resolved: dict[tuple[str, str], tuple[Ref | None, str, str, int | None]] = {}
        self.unchanged = 0  # counted here, added to the changes once: this runs a million times
        self.accounts = ctx.refs["accounts"]
        self.feed_keys = ctx.desired.memberships.keys
        self.in_deleted: Counter[str] = Counter()
        self.of_skipped_persons = 0
        # Only when two of the feed's role words map to one hierarchy role (IMS 01 and 04
        # are both student) can two rows be one membership; only then is a set kept.
        self.new: set[tuple[Ref, Ref, str]] = set()
        mapped = [self.role(word) for word in ctx.desired.memberships.words()]
        self.words_share_a_role = len(mapped) != len(set(mapped))

    @cached_property
    def positions(self) -> dict[int, int]:
        """The stored rows by packed key, built when a row is first planned one at a time."""
        return self.stored.positions

    def role(self, word: str) -> str | None:
        """The hierarchy role a role word maps to (None: unmapped)."""
        if word not in self.roles:
            profile = self.ctx.snapshot.matcher.profile_for(word)
            self.roles[word] = profile.hierarchy_role if profile else None
        return self.roles[word]

    def setting_off(self, target: Target, student: bool) -> str:
        """The first setting that stops this kind of membership at the group's school."""
        key = (target.school, target.kind, student)
        if key not in self.off:
            settings = self.ctx.settings(target.school)
            flags = MEMBER_FLAGS[(target.kind, student)]
            self.off[key] = next((f for f in flags if not getattr(settings, f)), "")
        return self.off[key]

    def plan(self, key: MembershipKey, entry: int | Membership) -> None:
        """Plan one membership of the feed."""
        person, group, word = key
        resolved = self.resolved.get((group, word))
        if resolved is None:
            resolved = self.resolved[(group, word)] = self.resolve(group, word)
        group_ref, role, problem, part = resolved
        if problem:
            return self.problem(key, entry, problem)
        account = self.accounts.get(person)
        if account is None:
            account = account_ref(self.ctx, person)
            if account is None:
                why = "skipped" if person in self.ctx.skipped_persons else "no person"
                return self.problem(key, entry, why)
        if entry.__class__ is not int:
            return self.detailed((account, group_ref, role), entry, key)  # type: ignore[arg-type]
        # The common case, kept lean: a plain feed row matching a plain stored row.
        position = None
        if part is not None and account.__class__ is int:
            position = self.positions.get((account << 36) | part)
        if position is None or self.seen[position] or position in self.stored.details:
            return self.plain((account, group_ref, role), position, key)  # type: ignore[arg-type]
        self.seen[position] = 1
        self.unchanged += 1

    def resolve_once(self, group: str, word: str) -> tuple[Ref | None, str, str, int | None]:
        """``resolve``, remembered per group key and role word."""
        resolved = self.resolved.get((group, word))
        if resolved is None:
            resolved = self.resolved[(group, word)] = self.resolve(group, word)
        return resolved

    def resolve(self, group: str, word: str) -> tuple[Ref | None, str, str, int | None]:
        """(group ref, hierarchy role, problem, key bits) for a group key and role word, once."""
        target = self.targets.get(group) or self.targets.setdefault(group, _target(self.ctx, group))
        if target.ref is None:
            return None, "", target.why, None
        role = self.role(word)
        if role is None:
            return None, "", "unmapped", None
        off = self.setting_off(target, role == "student")
        part = self.stored.part(target.ref, role) if isinstance(target.ref, int) else None
        return target.ref, role, f"off:{target.school}:{off}" if off else "", part

    def problem(self, key: MembershipKey, entry: int | Membership, why: str) -> None:
        """Skip a membership, counting it and saying why where there is something to say."""
        if why == "placement":
            return  # not a membership: the account's placements carry it
        if why.startswith("off:"):
            _, school, setting = why.split(":", 2)
            return self.ctx.block("memberships", school, setting)
        if why == "skipped":
            self.changes.skipped += 1
            self.of_skipped_persons += 1
        elif why == "deleted":
            self.changes.skipped += 1
            self.in_deleted[key[1]] += 1
        elif why == "unmapped":
            self.fail(key, entry, "unmapped_role", f"role {key[2]!r} matches no profile")
        else:
            what, name = ("group", key[1]) if why == "unknown" else ("person", key[0])
            self.fail(
                key,
                entry,
                "unresolved_reference",
                f"{what} {name!r} is not in the feed or the store",
            )

    def plain(self, key: tuple[Ref, Ref, str], position: int | None, feed: MembershipKey) -> None:
        """An active membership with no dates: created, or unchanged when stored as such."""
        if position is None:
            if self.first_time(key):
                sync_key = self.feed_keys.get(feed)
                self.changes.creates.append((*key, None, None, None, "sync", sync_key))
            else:
                self.changes.unchanged += 1
        elif self.seen[position]:
            self.changes.unchanged += 1  # two feed roles mapping to one hierarchy role
        else:
            self.seen[position] = 1
            self.compare(position, key, None, None, None)

    def first_time(self, key: tuple[Ref, Ref, str]) -> bool:
        """Whether a new membership is planned for the first time in this run."""
        if not self.words_share_a_role:
            return True  # each row of the feed is a different membership
        if key in self.new:
            return False
        self.new.add(key)
        return True

    def detailed(self, key: tuple[Ref, Ref, str], m: Membership, feed: MembershipKey) -> None:
        """A membership with dates, a primary flag or a deletion."""
        position = self.find(key)
        if m.deleted:
            if position is None or self.seen[position] or self.stored.at(position).origin != "sync":
                self.changes.unchanged += 1
            elif self.ctx.removal_allowed():
                self.seen[position] = 1
                self.remove(position, key)
            return
        if position is None:
            if self.first_time(key):
                sync_key = self.feed_keys.get(feed)
                self.changes.creates.append((*key, m.begin, m.end, m.primary, "sync", sync_key))
            else:
                self.changes.unchanged += 1
            return
        if self.seen[position]:
            self.changes.unchanged += 1  # two feed roles mapping to one hierarchy role
        else:
            self.seen[position] = 1
            self.compare(position, key, m.begin, m.end, m.primary)

    def find(self, key: tuple[Ref, Ref, str]) -> int | None:
        """Where the membership is stored, if it is."""
        account, group, role = key
        if isinstance(account, int) and isinstance(group, int):
            return self.stored.find(account, group, role)
        return None

    def compare(
        self,
        position: int,
        key: tuple[Ref, Ref, str],
        begin: date | None,
        end: date | None,
        primary: bool | None,
    ) -> None:
        """Update the dates and primary flag of a stored membership, or count it unchanged."""
        stored = self.stored.at(position)
        before = {"begin": stored.begin, "end": stored.end, "primary": stored.primary}
        after = {"begin": begin, "end": end, "primary": primary}
        diff = {f: (before[f], v) for f, v in after.items() if before[f] != v}
        if diff:
            self.changes.updates.append((stored.id, label(key), diff))
        else:
            self.changes.unchanged += 1

    def remove(self, position: int, key: tuple[Ref, Ref, str], sync_key: str = "") -> None:
        """Plan a stored membership's removal, keeping the row for a revert."""
        stored = self.stored.at(position)
        row = before(key, stored)
        if sync_key:
            row["sync_key"] = sync_key
        self.changes.removals.append((stored.id, label(key), "remove", row))

    def delete_by_key(self) -> None:
        """Deletions that name only the feed's key of a membership: the store says which."""
        stored_keys = self.ctx.snapshot.membership_keys
        for sync_key, m in self.ctx.desired.memberships.by_key.items():
            found = stored_keys.get(sync_key)
            position = None if found is None else self.stored.find(*found)
            if found is None or position is None:
                self.changes.skipped += 1
                message = f"no stored membership has the key {sync_key!r}; nothing removed"
                self.ctx.issue(
                    "warning",
                    "unknown_membership",
                    "memberships",
                    sync_key,
                    message,
                    m.line,
                    m.file,
                    skipped=1,
                )
            elif self.seen[position] or self.stored.at(position).origin != "sync":
                self.changes.unchanged += 1
            elif self.ctx.removal_allowed():
                self.seen[position] = 1
                self.remove(position, found, sync_key)

    def fail(self, key: MembershipKey, entry: int | Membership, code: str, message: str) -> None:
        """Skip a membership with an error naming where the feed sent it."""
        self.changes.skipped += 1
        m = self.ctx.desired.memberships.record(key, entry)
        self.ctx.issue(
            "error",
            code,
            "memberships",
            f"{m.person}@{m.group}",
            f"{message}; skipped",
            m.line,
            m.file,
            skipped=1,
        )


def skipped_persons(ctx: Context, entity: str, count: int) -> None:
    """One line for the memberships or links skipped because their person was."""
    message = f"{count} {entity} skipped: the person was skipped (see the accounts' issues)"
    ctx.issue("info", "person_skipped", entity, "", message, skipped=count)


def label(key: tuple[Ref, Ref, str]) -> str:
    """A membership's key in the change log: account/group/role."""
    return f"{key[0]}/{key[1]}/{key[2]}"


def before(key: tuple[Ref, Ref, str], stored: StoredMembership) -> dict[str, object]:
    """A membership row as it was, so a revert can put it back."""
    return {
        "account_id": key[0],
        "group_id": key[1],
        "role": key[2],
        "origin": stored.origin,
        "begin_date": stored.begin,
        "end_date": stored.end,
        "is_primary": stored.primary,
        "status": "active",
    }


def plan_memberships(ctx: Context) -> None:
    """Plan the feed's memberships, then the removals safe removal allows."""
    planner = _Planner(ctx)
    plan_one = planner.plan
    feed = ctx.desired.memberships
    if feed.columns is None:
        for key, entry in feed.rows.items():
            plan_one(key, entry)
    else:  # the columns' rows that need the row planner go with the rows, in the feed's order
        from gateway.sync.plan_columns import plan_columns  # numpy: only feeds with columns

        singles = plan_columns(planner, feed.columns)
        rows = [(feed.first.get(key, _line(entry)), key, entry) for key, entry in feed.rows.items()]
        rows += [(first, key, line) for first, line, key in singles]
        rows.sort(key=itemgetter(0))
        for _, key, entry in rows:
            plan_one(key, entry)
    planner.changes.unchanged += planner.unchanged
    planner.delete_by_key()
    file = ctx.desired.memberships.file
    for group, count in planner.in_deleted.items():
        message = f"{count} memberships of {group!r} skipped: the feed deletes the group"
        ctx.issue("info", "group_deleted", "memberships", group, message, file=file, skipped=count)
    if planner.of_skipped_persons:
        skipped_persons(ctx, "memberships", planner.of_skipped_persons)
    _bring_back(ctx)
    _remove_stale(ctx, planner)


def _line(entry: int | Membership) -> int:
    """The line a membership row was sent on."""
    return entry if isinstance(entry, int) else (entry.line or 0)


def _bring_back(ctx: Context) -> None:
    """A planned membership that was removed before makes its old row active again.

    Done once over the creates, after the feed's million rows, so the common path
    pays nothing; a store where nothing was ever removed skips it altogether.
    """
    removed, changes = ctx.snapshot.removed_memberships, ctx.plan.changes["memberships"]
    if not len(removed):
        return
    creates = []
    for row in changes.creates:
        account, group, role, begin, end, primary, origin, _ = row  # the row keeps its key
        position = None
        if isinstance(account, int) and isinstance(group, int):
            position = removed.find(account, group, role)
        if position is None:
            creates.append(row)
            continue
        stored = removed.at(position)
        was = {"status": "removed", "begin": stored.begin, "end": stored.end,
               "primary": stored.primary, "origin": stored.origin}  # fmt: skip
        now = {"status": "active", "begin": begin, "end": end, "primary": primary, "origin": origin}
        diff = {f: (was[f], v) for f, v in now.items() if was[f] != v}
        changes.updates.append((stored.id, label((account, group, role)), diff))
    changes.creates = creates


def _remove_stale(ctx: Context, planner: _Planner) -> None:
    """Remove sync memberships of expiring accounts, and in a full snapshot the missing ones."""
    full = "memberships" in ctx.desired.scopes
    if not full and not ctx.expiring:
        return
    groups = {g.id: g for g in ctx.snapshot.groups.values()}
    named = _named_groups(ctx) if full else set()
    for position, was_seen in enumerate(planner.seen):
        if was_seen:
            continue
        key = planner.stored.key_at(position)
        stored = planner.stored.at(position)
        group = groups[key[1]]
        reason = _stale(ctx, planner, key, stored, full and _speaks_for(ctx, group, named), group)
        if not reason or not ctx.removal_allowed():
            continue
        planner.remove(position, key)
        if reason == "manual":
            ctx.issue(
                "info",
                "manual_member_removed",
                "memberships",
                label(key),
                "manually added member removed: allow_manual_members is off",
            )


def _named_groups(ctx: Context) -> set[str]:
    """The groups a membership snapshot names: in its memberships, or as groups and classes."""
    if {"nodes", "groups"} <= ctx.desired.scopes:
        return set()  # the feed holds every group: it speaks for all of them
    named = ctx.desired.memberships.groups()
    return named.union(ctx.desired.groups, ctx.desired.orgs)


def _speaks_for(ctx: Context, group: StoredGroup, named: set[str]) -> bool:
    """Whether a full snapshot of memberships speaks for a group's: it names the group, or it
    holds every group of the kind (a group it drops loses its members with it)."""
    scope = "nodes" if group.kind == "class" else "groups"
    return scope in ctx.desired.scopes or group.key in named


def _stale(
    ctx: Context,
    planner: _Planner,
    key: tuple[int, int, str],
    stored: StoredMembership,
    full: bool,
    group: StoredGroup,
) -> str:
    """Why a stored membership the feed did not name should go ("" to keep it)."""
    if stored.origin == "sync" and key[0] in ctx.expiring:
        return "expired"
    school = ctx.snapshot.nodes_by_id.get(group.school_id or 0)
    target = Target(group.id, group.kind, school.key if school else "")
    if not full or planner.setting_off(target, key[2] == "student"):
        return ""
    if stored.origin == "sync":
        return "missing"
    return "" if ctx.settings_by_id(group.school_id).allow_manual_members else "manual"
