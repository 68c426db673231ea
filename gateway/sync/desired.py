"""Collect a reader's stream into the desired state: records by key, issues, scopes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from sys import intern

from mapping.records import (
    Entity,
    Group,
    GuardianLink,
    Membership,
    Org,
    Person,
    Record,
    RowIssue,
    Scope,
)
from mapping.values import checked

MembershipKey = tuple[str, str, str]


class FeedMemberships:
    """The feed's memberships by (person, group, role); a later statement about one wins.

    A plain membership (not deleted, no dates, no primary flag) keeps only its line, and
    keys are interned: at a million memberships this is what bounds a run's memory. The
    feed's own key of a membership (a OneRoster enrollment's sourcedId) is kept beside;
    a deletion that names only that key waits in ``by_key`` for the store to say which.
    """

    def __init__(self) -> None:
        self.rows: dict[MembershipKey, int | Membership] = {}
        self.keys: dict[MembershipKey, str] = {}
        self.by_key: dict[str, Membership] = {}
        self.file = ""

    def add(self, m: Membership) -> None:
        """Remember one membership."""
        if not (m.person or m.group):
            self.by_key[m.key] = m
            return
        key = (intern(m.person), intern(m.group), intern(m.role))
        self.file = self.file or m.file
        if m.key:
            self.keys[key] = m.key
        plain = not m.deleted and m.primary is None and m.begin is None and m.end is None
        if plain and m.line is not None and m.file == self.file:
            self.rows[key] = m.line
        else:
            self.rows[key] = replace(m, person=key[0], group=key[1], role=key[2], key="")

    def record(self, key: MembershipKey, entry: int | Membership) -> Membership:
        """The membership a row stands for."""
        if isinstance(entry, Membership):
            return entry
        return Membership(*key, line=entry, file=self.file)

    def __iter__(self) -> Iterator[Membership]:
        return (self.record(key, entry) for key, entry in self.rows.items())

    def __len__(self) -> int:
        return len(self.rows)

    def groups(self) -> set[str]:
        """The keys of the groups the feed's memberships name."""
        return {group for _, group, _ in self.rows}


@dataclass
class Desired:
    """What the feed says the world should look like."""

    persons: dict[str, Person] = field(default_factory=dict)
    orgs: dict[str, Org] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    memberships: FeedMemberships = field(default_factory=FeedMemberships)
    links: dict[tuple[str, str], GuardianLink] = field(default_factory=dict)
    scopes: set[Entity] = field(default_factory=set)
    issues: list[RowIssue] = field(default_factory=list)


def _duplicate(entity: str, record: Person | Org | Group, first: Person | Org | Group) -> RowIssue:
    """The issue for a second record with a key already seen in this feed."""
    where = f"line {first.line}" if first.line else "earlier in the feed"
    return RowIssue(
        "error",
        "duplicate_key",
        f"key {record.key!r} already used on {where}; row skipped",
        entity,
        record.key,
        record.line,
        record.file,
    )


# How often ``collect`` tells its caller how many records have passed.
TICK_EVERY = 1000


def counted(
    stream: Iterable[Record | RowIssue], tick: Callable[[int], None]
) -> Iterator[Record | RowIssue]:
    """The stream unchanged; ``tick`` hears the count every ``TICK_EVERY`` items and at the end.

    Wrapped around a reader's stream on its way into ``collect``, it counts records as
    they pass: the readers stream, so a file is read once.
    """
    count = 0
    for count, item in enumerate(stream, 1):
        yield item
        if count % TICK_EVERY == 0:
            tick(count)
    tick(count)


def collect(stream: Iterable[Record | RowIssue]) -> Desired:
    """Read the whole stream; the first record with a key wins, later ones are issues."""
    desired = Desired()
    keyed: dict[type, tuple[str, dict[str, Person] | dict[str, Org] | dict[str, Group]]] = {
        Person: ("accounts", desired.persons),
        Org: ("nodes", desired.orgs),
        Group: ("groups", desired.groups),
    }
    for item in checked(stream):  # nothing the store would refuse gets past here
        if isinstance(item, RowIssue):
            desired.issues.append(item)
        elif isinstance(item, Membership):
            desired.memberships.add(item)
        elif isinstance(item, GuardianLink):
            desired.links[(item.guardian, item.student)] = item
        elif isinstance(item, Scope):
            if item.full:
                desired.scopes.add(item.entity)
        else:
            entity, table = keyed[type(item)]
            first = table.get(item.key)
            if first is None:
                table[intern(item.key)] = item  # type: ignore[assignment]
            else:
                desired.issues.append(_duplicate(entity, item, first))
    desired.scopes = {entity for entity in desired.scopes if _holds(desired, entity)}
    return desired


def _holds(desired: Desired, entity: Entity) -> bool:
    """Whether the feed holds some of an entity: a full snapshot speaks only for those.

    A PIFU-IMS file of memberships alone says ``full`` too; it must not expire every
    person. Guardian links travel on persons, so a file of persons speaks for them.
    """
    held = {
        "accounts": desired.persons,
        "nodes": desired.orgs,
        "groups": desired.groups,
        "memberships": desired.memberships,
        "guardian_links": desired.links or desired.persons,
    }
    return bool(held[entity])
