"""Plan accounts: match against profile, school settings, usernames, sticky fields, removal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from gateway.sync import plan_pending
from gateway.sync.changes import Ref
from gateway.sync.context import Context
from gateway.sync.desired import MembershipKey
from gateway.sync.plan_members import account_ref
from gateway.sync.state import StoredAccount
from gateway.users import passwords
from mapping.profiles import Category, Profile
from mapping.records import Membership, Person

STICKY = ("given_name", "family_name", "email", "profile")


@dataclass(slots=True)
class Facts:
    """What the whole feed says about one person beyond the Person record.

    Short lists rather than sets: a person has one to three of each, and a municipality
    has 160,000 persons.
    """

    roles: list[str] = field(default_factory=list)  # the register's user-level roles
    places: list[str] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    class_roles: list[str] = field(default_factory=list)  # roles in groups and at nodes
    guardian: bool = False  # the guardian side of a link
    inactive: bool = False  # holds a role the feed says is inactive or deleted

    def deciding(self) -> tuple[str, ...]:
        """The roles that decide the profile: the register's user-level roles, else the class
        roles (plain IMS Enterprise has only those); a guardian link adds guardian."""
        words = self.roles or self.class_roles
        if self.guardian and "guardian" not in words:
            return (*words, "guardian")
        return tuple(words)


@dataclass(slots=True)
class Notes:
    """What plan_accounts reports once for the whole run rather than once per person."""

    pending: list[Person] = field(default_factory=list)  # kept pending: no role given
    class_roles: list[tuple[Person, Profile, Facts]] = field(default_factory=list)  # differing


def _add(items: list[str], item: str) -> None:
    """Append to a short list unless it holds the item already."""
    if item not in items:
        items.append(item)


def _facts(ctx: Context, persons: dict[str, Person]) -> dict[str, Facts]:
    """Gather each person's roles, placements and schools from the whole feed."""
    facts: dict[str, Facts] = defaultdict(Facts)
    tree, roles = ctx.tree, ctx.plan.roles
    schools: dict[tuple[str, ...], list[str]] = {}  # org keys → their schools; orgs repeat
    for key, person in persons.items():
        words = list(dict.fromkeys([claim.role for claim in person.roles]))
        roles.update(words)  # each word once per person, as is each word below
        at = schools.get(person.orgs)
        if at is None:
            found = {tree.school(org) for org in person.orgs if org in tree} - {""}
            at = schools[person.orgs] = sorted(found)
        facts[key] = Facts(words, [], list(at))
    feed = ctx.desired.memberships
    places = {
        group: (group if ctx.is_placement(group) else "", ctx.group_school(group))
        for group in {key[1] for key in feed.rows}
    }
    get = facts.get
    notes = feed.rows.items() if feed.columns is None else _in_order(ctx, places)
    for (person_key, group, role), entry in notes:
        fact = get(person_key) or facts[person_key]  # a person the feed only names here
        if entry.__class__ is not int and entry.deleted:  # type: ignore[union-attr]
            fact.inactive = True
            continue
        if role not in fact.class_roles and entry != NO_ROLE:
            fact.class_roles.append(role)
            if role not in fact.roles:
                roles[role] += 1
        place, school = places[group]
        if place and place not in fact.places:
            fact.places.append(place)
        if school and school not in fact.schools:
            fact.schools.append(school)
    for (guardian, student), link in ctx.desired.links.items():
        if not link.deleted:
            facts[guardian].guardian = True
            for school in facts[student].schools:
                _add(facts[guardian].schools, school)
    return facts


NO_ROLE = -1  # what the columns add besides roles comes as a row that names no role


def _in_order(
    ctx: Context, places: dict[str, tuple[str, str]]
) -> list[tuple[MembershipKey, int | Membership]]:
    """The feed's membership rows and what its columns add, in the order each was first met.

    A column's role, place or school comes as a row of its own; its group stands in
    ``places`` for the place or school it adds.
    """
    from gateway.sync.plan_columns import fact_events  # numpy: only feeds with columns

    feed = ctx.desired.memberships
    merged: list[tuple[int, MembershipKey, int | Membership]] = [
        (feed.first.get(key, entry if isinstance(entry, int) else entry.line or 0), key, entry)
        for key, entry in feed.rows.items()
    ]
    for line, person, role, place, school in fact_events(ctx, feed.columns):  # type: ignore[arg-type]
        group = f"\0{place}\0{school}"  # no key holds a NUL: it never meets a real group
        places[group] = (place, school)
        merged.append((line, (person, group, role), line if role else NO_ROLE))
    merged.sort(key=itemgetter(0))
    return [(key, entry) for _, key, entry in merged]


Matched = tuple[Profile | None, list[str], list[Profile]]


def _matched(ctx: Context, roles: tuple[str, ...]) -> Matched:
    """What the profiles make of a set of roles, worked out once per set."""
    if roles not in ctx.matched_roles:  # most people share a handful of role sets
        ctx.matched_roles[roles] = ctx.snapshot.matcher.resolve(roles)
    return ctx.matched_roles[roles]


def _profile(ctx: Context, person: Person, roles: tuple[str, ...]) -> Profile | None:
    """Match the person's roles against the profiles; report what matching decided.

    None when no role is given or none matches: the caller says what becomes of the person.
    """
    profile, unmapped, matched = _matched(ctx, roles)
    if profile is None or (not unmapped and len(matched) == 1):
        return profile
    if unmapped:
        words = ", ".join(repr(r) for r in unmapped)
        message = f"role {words} matches no profile; using {profile.name}"
        ctx.about(person, "warning", "unmapped_role", message)
    if len(matched) > 1:
        names = ", ".join(f"{p.name} ({p.level})" for p in matched)
        message = f"roles match {names}; given {profile.name}, the highest"
        ctx.about(person, "info", "multiple_roles", message)
    return profile


def _unmapped(ctx: Context, person: Person, roles: tuple[str, ...], outcome: str) -> None:
    """The error for a person none of whose roles matches a profile."""
    words = ", ".join(repr(r) for r in roles)
    message = f"role {words} matches no profile; {outcome}"
    ctx.about(person, "error", "unmapped_role", message, skipped=1)
    ctx.plan.changes["accounts"].skipped += 1


Rules = tuple[tuple[str, str] | None, bool]


def _rules(ctx: Context, schools: frozenset[str], category: Category) -> Rules:
    """What a person's schools decide: the (school, setting) that stops them, if every school
    does, and whether any school forces the register's e-mail. Worked out once per set."""
    key = (schools, category)
    if key not in ctx.school_rules:
        reasons = [
            (school, ctx.settings(school).syncs(category, ctx.policy.today))
            for school in sorted(schools)
        ]
        blocked = None if not reasons or any(not why for _, why in reasons) else reasons[0]
        forced = any(ctx.settings(s).forces_email(category) for s in schools)
        ctx.school_rules[key] = (blocked, forced)
    return ctx.school_rules[key]


def _stored(ctx: Context, person: Person) -> tuple[StoredAccount | None, bool]:
    """The person's stored account, and whether it is found under its old key (a re-key)."""
    accounts = ctx.snapshot.accounts
    if person.key in accounts:
        return accounts[person.key], False
    if person.old_key and person.old_key in accounts:
        return accounts[person.old_key], True
    return None, False


def _node_refs(ctx: Context, person: Person, places: list[str]) -> tuple[Ref, ...]:
    """The nodes the person is placed at, as refs; unknown orgs are reported, and those
    outside the source's schools left out (their nodes' skips explain them)."""
    if len(person.orgs) == 1 and not places and ctx.node_in_scope(person.orgs[0]):
        ref = ctx.refs["nodes"].get(person.orgs[0])
        if ref is not None:
            return (ref,)
    refs: list[Ref] = []
    for org in (*person.orgs, *sorted(places)):
        if not ctx.node_in_scope(org):
            continue
        ref = ctx.refs["nodes"].get(org)
        if ref is None:
            ctx.issue(
                "warning",
                "unresolved_reference",
                "accounts",
                person.key,
                f"org {org!r} is not in the feed or the store",
                person.line,
                person.file,
            )
        elif ref not in refs:
            refs.append(ref)
    return tuple(sorted(refs, key=lambda r: (isinstance(r, str), str(r))))


USERNAME_FAILURES = {
    "taken": "username {sent!r} is taken; skipped",
    "missing": "no username given; skipped",
    "ungeneratable": "no username can be made from the name; skipped",
}


def _create(ctx: Context, person: Person, after: dict[str, Any]) -> None:
    """Plan a new account with a free username."""
    names = (person.given_name, person.family_name)
    username, how = ctx.usernames.allocate(person.username, *names, ctx.policy.usernames)
    if username is None:
        message = USERNAME_FAILURES[how].format(sent=person.username)
        ctx.about(person, "error", f"username_{how}", message, skipped=1)
        ctx.skip_person(person.key)
        ctx.plan.changes["accounts"].skipped += 1
        return
    if how == "generated" and person.username:
        message = f"username {person.username!r} is taken; generated {username!r}"
        ctx.about(person, "info", "username_generated", message)
    ctx.plan.changes["accounts"].creates.append((person.key, username, *after.values()))
    if person.password:
        ctx.plan.passwords[person.key] = passwords.hashed(person.password)
    ctx.refs["accounts"][person.key] = person.key


def _update(
    ctx: Context,
    person: Person,
    stored: StoredAccount,
    after: dict[str, Any],
    forced_email: bool,
    rekey: bool,
) -> None:
    """Plan the field changes of an existing account, keeping local edits that stick."""
    before = {
        "given_name": stored.given_name,
        "family_name": stored.family_name,
        "email": stored.email,
        "profile": stored.profile,
        "status": stored.status,
    }
    diff: dict[str, tuple[Any, Any]] = {
        f: (before[f], after[f]) for f in before if before[f] != after[f]
    }
    for name in STICKY:
        if name in diff and name in stored.local_fields and not (name == "email" and forced_email):
            old, new = diff.pop(name)
            ctx.about(
                person,
                "info",
                "kept_local",
                f"{name} kept as set locally ({old!r}); register sends {new!r}",
            )
    if set(after["nodes"]) != set(stored.nodes):
        diff["nodes"] = (stored.nodes, after["nodes"])
    if rekey:
        diff["sync_key"] = (stored.key, person.key)
        ctx.about(
            person, "info", "rekeyed", f"re-keyed from {stored.key!r}: same account, same username"
        )
    if stored.status == "expired" and after["status"] != "expired":
        ctx.about(
            person, "info", "restored", "back in the feed: the expired account is active again"
        )
    ctx.refs["accounts"][person.key] = stored.id
    if diff:
        ctx.plan.changes["accounts"].updates.append((stored.id, person.key, diff))
    else:
        ctx.plan.changes["accounts"].unchanged += 1


def _stored_schools(ctx: Context, stored: StoredAccount | None) -> frozenset[str]:
    """The keys of the schools a stored account belongs to."""
    if stored is None:
        return frozenset()
    ids = ctx.snapshot.schools_of(stored.id)
    return frozenset(ctx.snapshot.nodes_by_id[i].key for i in ids if i in ctx.snapshot.nodes_by_id)


def _may_expire(ctx: Context, stored: StoredAccount) -> bool:
    """Whether the schools of a stored account let this run expire it."""
    category = ctx.snapshot.profiles[stored.profile].category
    return ctx.may_remove(ctx.snapshot.schools_of(stored.id), category)


def _expire(ctx: Context, stored: StoredAccount) -> None:
    """Plan an account's expiry: locked and dated, never deleted."""
    ctx.expiring.add(stored.id)
    ctx.plan.changes["accounts"].removals.append(
        (stored.id, stored.key, "expire", {"status": stored.status})
    )


def _plan_person(
    ctx: Context, person: Person, fact: Facts, notes: Notes, pupils: list[str]
) -> bool:
    """Plan one person's account; False when a new guardian is left out for want of a pupil."""
    stored, rekey = _stored(ctx, person)
    if person.deleted:
        ctx.skip_person(person.key)  # the person's memberships and links go with them
        if stored and stored.status != "expired" and _may_expire(ctx, stored):
            if ctx.removal_allowed():
                _expire(ctx, stored)
        else:
            ctx.plan.changes["accounts"].unchanged += 1
        return True
    roles = fact.deciding()
    if fact.roles and fact.class_roles and _matched(ctx, roles)[0] is None:
        roles = (*roles, *fact.class_roles)  # no user-level role maps: class roles decide
    # A delta that names a known person without roles or orgs leaves those as they are.
    if stored and not roles:
        profile: Profile | None = ctx.snapshot.profiles[stored.profile]
    else:
        profile = _profile(ctx, person, roles)
    if profile is None and stored is None:
        _pending(ctx, person, fact, notes)
        return True
    schools = frozenset(fact.schools) or _stored_schools(ctx, stored)
    blocked, forced = _rules(ctx, schools, profile.category) if profile else (None, False)
    if profile is None or blocked:
        ctx.skip_person(person.key)
        if blocked:
            ctx.block("accounts", *blocked)
        else:
            _unmapped(ctx, person, roles, "skipped")
        return True
    if not stored and profile.category == "guardians" and _orphan(ctx, pupils):
        ctx.skip_person(person.key)
        ctx.plan.changes["accounts"].skipped += 1
        return False
    if fact.roles and fact.class_roles and _differs(ctx, fact, profile):
        notes.class_roles.append((person, profile, fact))
    after: dict[str, Any] = {  # in CREATE_COLUMNS order: a create is (key, username, *after)
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email if person.email is not None else (stored.email if stored else ""),
        "profile": profile.name,
        "status": "active" if person.enabled else "locked",
        "nodes": _node_refs(ctx, person, fact.places)
        if person.orgs or fact.places or not stored
        else stored.nodes,
    }
    if stored and stored.expires and stored.expires <= ctx.policy.today:
        after["status"] = "locked"  # an admin's expiry date: no feed unlocks it
    if stored:
        _update(ctx, person, stored, after, forced, rekey)
    else:
        _create(ctx, person, after)
    return True


def _orphan(ctx: Context, pupils: list[str]) -> bool:
    """Whether the feed links a guardian to pupils, none of whom has an account in this run."""
    return bool(pupils) and all(account_ref(ctx, pupil) is None for pupil in pupils)


def _pupils(ctx: Context) -> dict[str, list[str]]:
    """The pupils the feed links each guardian to (deleted links left out)."""
    pupils: dict[str, list[str]] = defaultdict(list)
    for (guardian, student), link in ctx.desired.links.items():
        if not link.deleted:
            pupils[guardian].append(student)
    return pupils


def _pending(ctx: Context, person: Person, fact: Facts, notes: Notes) -> None:
    """Keep a person with no (mappable) role yet as a pending person: no account, no profile.

    Registers send persons before their memberships; the run that brings a role or a
    membership for the person makes the account from what was kept.
    """
    ctx.skip_person(person.key)
    roles = fact.deciding()
    if roles:
        _unmapped(ctx, person, roles, "no account, kept as a pending person")
    elif fact.inactive:
        message = "the only role given is inactive; no account, kept as a pending person"
        ctx.about(person, "info", "role_inactive", message)
    elif person.key in ctx.desired.persons:  # not one named only by a deleted guardian link
        notes.pending.append(person)
    plan_pending.keep(ctx, person)


def _expire_missing(ctx: Context, seen: set[str]) -> None:
    """In a full snapshot, accounts the source no longer sends are expired."""
    if "accounts" not in ctx.desired.scopes:
        return
    for key, stored in ctx.snapshot.accounts.items():
        missing = key not in seen and stored.status != "expired"
        if missing and _may_expire(ctx, stored) and ctx.removal_allowed():
            _expire(ctx, stored)


def _differs(ctx: Context, fact: Facts, profile: Profile) -> bool:
    """Whether the person's class roles match another profile than the one their register
    role gave them (a pupil with a teacher enrollment)."""
    theirs = _matched(ctx, tuple(fact.class_roles))[0]
    return theirs is not None and theirs != profile


def _report(ctx: Context, notes: Notes) -> None:
    """One summary each for the persons kept pending and the class roles that differ."""
    if notes.pending:
        first = notes.pending[0]
        message = (
            f"{len(notes.pending)} person(s) have no role yet: no account, kept as pending "
            f"persons until a role or membership for them arrives (first: {first.key!r})"
        )
        ctx.issue("info", "pending_no_role", "accounts", "", message)
    if notes.class_roles:
        person, profile, fact = notes.class_roles[0]
        count = len(notes.class_roles)
        message = (
            f"{count} person(s) hold a class role that matches another profile than "
            "their register role: the register's role decided the profile, the class role "
            f"only the membership's role (first: {person.key!r}, {profile.name}, class roles "
            f"{', '.join(map(repr, fact.class_roles))})"
        )
        ctx.issue("info", "class_role_differs", "accounts", "", message)


def plan_accounts(ctx: Context) -> None:
    """Plan every person in the feed, then expire the missing ones of a full snapshot."""
    persons = plan_pending.with_named(ctx)
    facts, pupils = _facts(ctx, persons), _pupils(ctx)
    seen: set[str] = set()
    notes = Notes()
    orphans = 0
    # Guardians last: a new one is created only when a pupil it is linked to has an account.
    for person in sorted(persons.values(), key=lambda p: p.key in pupils):
        seen.update((person.key, person.old_key))
        planned = _plan_person(ctx, person, facts[person.key], notes, pupils.get(person.key, []))
        orphans += not planned
    if orphans:
        message = f"{orphans} guardian(s) skipped: no pupil they are linked to is synced"
        ctx.issue("info", "no_linked_pupil", "accounts", "", message, skipped=orphans)
    _expire_missing(ctx, seen)
    ctx.plan.pending.drop.extend(plan_pending.dropped(ctx))
    _report(ctx, notes)
