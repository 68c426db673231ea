"""Collect a reader's stream into the desired state: records by key, issues, scopes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass
class Desired:
    """What the feed says the world should look like."""

    persons: dict[str, Person] = field(default_factory=dict)
    orgs: dict[str, Org] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    memberships: dict[tuple[str, str, str], Membership] = field(default_factory=dict)
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


def collect(stream: Iterable[Record | RowIssue]) -> Desired:
    """Read the whole stream; the first record with a key wins, later ones are issues."""
    desired = Desired()
    keyed: dict[type, tuple[str, dict[str, Person] | dict[str, Org] | dict[str, Group]]] = {
        Person: ("accounts", desired.persons),
        Org: ("nodes", desired.orgs),
        Group: ("groups", desired.groups),
    }
    for item in stream:
        if isinstance(item, RowIssue):
            desired.issues.append(item)
        elif isinstance(item, Membership):
            # A later statement about the same membership wins (add, then remove).
            desired.memberships[(item.person, item.group, item.role)] = item
        elif isinstance(item, GuardianLink):
            desired.links[(item.guardian, item.student)] = item
        elif isinstance(item, Scope):
            if item.full:
                desired.scopes.add(item.entity)
        else:
            entity, table = keyed[type(item)]
            first = table.get(item.key)
            if first is None:
                table[item.key] = item  # type: ignore[assignment]
            else:
                desired.issues.append(_duplicate(entity, item, first))
    return desired
