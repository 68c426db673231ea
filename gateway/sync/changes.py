"""The plan as a value: what a run would create, update, remove and skip.

A plan holds, per entity, the rows to create (tuples laid out as in
``CREATE_COLUMNS``), the updates (id, key, {field: (old, new)}), the removals
(id, key, action, before) and how many records were unchanged or skipped.
References to other rows are an ``int`` id when the row exists and the
``str`` key of a row this same plan creates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mapping.records import ENTITIES, Person, RowIssue
from mapping.usernames import UsernameMode

Ref = int | str
Update = tuple[int, str, dict[str, tuple[Any, Any]]]
Removal = tuple[int, str, str, dict[str, Any]]

CREATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "nodes": ("key", "name", "kind", "parent"),
    "groups": ("key", "name", "kind", "node", "school", "course", "subjects", "begin", "end"),
    "accounts": (
        "key", "username", "given_name", "family_name", "email", "profile", "status", "nodes",
    ),
    "memberships": ("account", "group", "role", "begin", "end", "primary", "origin", "sync_key"),
    "guardian_links": ("guardian", "student"),
}  # fmt: skip
REMOVAL_COUNTS = {"expire": "expired", "inactivate": "expired", "remove": "removed"}


@dataclass(frozen=True)
class Policy:
    """The rules a run follows beyond the store's own settings."""

    usernames: UsernameMode = "generate-if-taken"
    today: date = field(default_factory=date.today)
    removal_threshold: float = 0.10
    removals: bool = True
    removal_window: float = 24.0
    removal_min: int = 2
    schools: tuple[str, ...] = ()  # the source's schools by key, path or name; () = every one
    welcome: str = ""  # the language new accounts are e-mailed their access data in; "": none
    additions_only: str = ""  # the rollover window (FIRST..LAST) today falls in: no removals
    only_school: str = ""  # a re-run for one school: the others are left alone (``schools``)


@dataclass
class Changes:
    """What a plan does to one entity."""

    creates: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0

    def counts(self) -> dict[str, int]:
        """The report's counts for this entity."""
        removed = Counter(REMOVAL_COUNTS[action] for _, _, action, _ in self.removals)
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "expired": removed["expired"],
            "removed": removed["removed"],
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


@dataclass
class Pending:
    """Persons sent without a role yet: kept (new or changed), or dropped (an account now, gone)."""

    keep: list[Person] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """Everything a run would change, and why it would skip what it skips."""

    source_id: int | None
    revision: int
    changes: dict[str, Changes] = field(default_factory=lambda: {e: Changes() for e in ENTITIES})
    issues: list[RowIssue] = field(default_factory=list)
    new_nodes: list[str] = field(default_factory=list)
    roles: Counter[str] = field(default_factory=Counter)
    held: dict[str, Any] | None = None
    pending: Pending = field(default_factory=Pending)
    passwords: dict[str, str] = field(default_factory=dict)  # new accounts' keys → argon2 hashes
    welcome: str = ""  # Policy.welcome: applying e-mails new accounts their access data

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts per entity, as the report shows them."""
        return {entity: changes.counts() for entity, changes in self.changes.items()}

    @property
    def size(self) -> int:
        """How many rows applying the plan would create, update or remove."""
        return sum(len(c.creates) + len(c.updates) + len(c.removals) for c in self.changes.values())

    @property
    def changes_anything(self) -> bool:
        """Whether applying the plan would write anything."""
        changes = any(c.creates or c.updates or c.removals for c in self.changes.values())
        return changes or bool(self.pending.keep or self.pending.drop)

    @property
    def removes_anything(self) -> bool:
        """Whether applying the plan would expire or remove something."""
        return any(changes.removals for changes in self.changes.values())
