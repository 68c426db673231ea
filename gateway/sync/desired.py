"""Collect a reader's stream into the desired state: records by key, issues, scopes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from sys import intern
from typing import TYPE_CHECKING

from mapping.records import (
    Entity,
    Group,
    GuardianLink,
    Membership,
    MembershipBatch,
    Org,
    Person,
    Record,
    RowIssue,
    Scope,
)
from mapping.values import checked

if TYPE_CHECKING:
    from gateway.sync.columns import Columns

MembershipKey = tuple[str, str, str]


class FeedMemberships:
    """The feed's memberships by (person, group, role); a later statement about one wins.

    A plain membership (not deleted, no dates, no primary flag) keeps only its line, and
    keys are interned: at a million memberships this is what bounds a run's memory. The
    feed's own key of a membership (a OneRoster enrollment's sourcedId) is kept beside;
    a deletion that names only that key waits in ``by_key`` for the store to say which.
    Batches of plain memberships (large files) stay columns (``columns``) after
    ``settle``; a membership is then in ``rows`` or ``columns``, never both.
    """

    def __init__(self) -> None:
        self.rows: dict[MembershipKey, int | Membership] = {}
        self.keys: dict[MembershipKey, str] = {}
        self.by_key: dict[str, Membership] = {}
        self.file = ""
        self.batches: list[MembershipBatch] = []
        self.columns: Columns | None = None
        self.first: dict[MembershipKey, int] = {}  # once a batch came: where rows were first met

    def add(self, m: Membership) -> None:
        """Remember one membership."""
        if not (m.person or m.group):
            self.by_key[m.key] = m
            return
        key = (intern(m.person), intern(m.group), intern(m.role))
        self.file = self.file or m.file
        if self.batches and key not in self.rows:
            self.first[key] = m.line or 0
        if m.key:
            self.keys[key] = m.key
        plain = not m.deleted and m.primary is None and m.begin is None and m.end is None
        if plain and m.line is not None and m.file == self.file:
            self.rows[key] = m.line
        else:
            self.rows[key] = replace(m, person=key[0], group=key[1], role=key[2], key="")

    def add_batch(self, batch: MembershipBatch) -> None:
        """Remember a batch of plain memberships, as columns."""
        self.file = self.file or batch.file
        self.batches.append(batch)

    def settle(self) -> None:
        """Join the batches into columns; a membership also sent as a row goes to ``rows``."""
        if not self.batches:
            return
        # Imported here: only feeds with batches need numpy, and it takes a tenth of a second.
        import numpy as np

        from gateway.sync.columns import Columns

        columns = self.columns = Columns(self.batches)
        self.batches = []
        moved = []
        for key, entry in self.rows.items():
            row = columns.find(*key)
            if row is None:
                continue
            moved.append(row)
            line = entry if isinstance(entry, int) else (entry.line or 0)
            if int(columns.lines[row]) > line:  # the batch's row came later: it wins
                self.rows[key] = int(columns.lines[row])
                self.keys[key] = columns.key(row)
            self.first[key] = min(self.first.get(key, line), int(columns.first[row]))
        if moved:
            keep = np.ones(len(columns), dtype=bool)
            keep[moved] = False
            columns.keep(keep)

    def record(self, key: MembershipKey, entry: int | Membership) -> Membership:
        """The membership a row stands for."""
        if isinstance(entry, Membership):
            return entry
        return Membership(*key, line=entry, file=self.file)

    def __iter__(self) -> Iterator[Membership]:
        rows = (self.record(key, entry) for key, entry in self.rows.items())
        columns = self.columns
        if columns is None:
            return rows
        batch = (
            Membership(*columns.triple(row), line=int(columns.lines[row]), file=self.file)
            for row in range(len(columns))
        )
        return itertools.chain(rows, batch)

    def __len__(self) -> int:
        return len(self.rows) + (len(self.columns) if self.columns else 0)

    def groups(self) -> set[str]:
        """The keys of the groups the feed's memberships name."""
        named = {group for _, group, _ in self.rows}
        if self.columns:
            named.update(self.columns.groups.values)
        return named

    def persons(self) -> set[str]:
        """The keys of the persons the feed's memberships name."""
        named = {person for person, _, _ in self.rows}
        if self.columns:
            named.update(self.columns.persons.values)
        return named

    def words(self) -> set[str]:
        """The role words the feed's memberships use."""
        named = {word for _, _, word in self.rows}
        if self.columns:
            named.update(self.columns.roles.values)
        return named


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
    count = told = 0
    for item in stream:
        yield item
        count += len(item) if isinstance(item, MembershipBatch) else 1
        if count - told >= TICK_EVERY:
            told = count - count % TICK_EVERY
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
        elif isinstance(item, MembershipBatch):
            desired.memberships.add_batch(item)
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
    desired.memberships.settle()
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
