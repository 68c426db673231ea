"""What the reader remembers while a package streams: keys, term dates, roles, agents.

Only keys and small tuples are kept, never rows: memory grows with the number
of distinct keys (orgs, sessions, courses, classes, users), not with the size of
the files. Enrollments, the largest file by far, leave nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from mapping.records import Severity
from oneroster.columns import GUARDIAN_ROLES, STUDENT_ROLES, Mode, Version
from oneroster.rows import Row

GUARDIAN, STUDENT = 1, 2
Found = Literal["found", "unchecked", "missing", "maybe"]


class Claim(NamedTuple):
    """One roles.csv row, held until its user streams by."""

    role: str
    org: str
    primary: bool
    line: int
    key: str
    deleted: bool
    current: bool = True  # its beginDate and endDate hold it today


class Agent(NamedTuple):
    """One ``agentSourcedIds`` item, resolved once every user's roles are known."""

    user: str
    agent: str
    line: int
    deleted: bool


def role_flags(roles: list[str]) -> int:
    """GUARDIAN and STUDENT bits for the role words a person holds."""
    folded = {r.casefold() for r in roles}
    return (GUARDIAN if folded & GUARDIAN_ROLES else 0) | (STUDENT if folded & STUDENT_ROLES else 0)


@dataclass
class State:
    """The reader's memory across the files of one package."""

    version: Version
    today: date  # what roles' dates are held against
    modes: dict[str, Mode] = field(default_factory=dict)  # files being or been read
    members: dict[str, str] = field(default_factory=dict)  # spec name → member name
    done: set[str] = field(default_factory=set)
    keys: dict[str, set[str]] = field(default_factory=dict)
    sessions: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)  # users holding guardian/student roles
    claims: dict[str, list[Claim]] = field(default_factory=dict)  # roles.csv by user
    agents: list[Agent] = field(default_factory=list)
    parents: list[tuple[int, str, str]] = field(default_factory=list)  # orgs: line, key, parent
    years: set[str] = field(default_factory=set)

    def current(self, begin: date | None, end: date | None) -> bool:
        """Whether a role with these dates is held today (both ends included)."""
        return (begin is None or begin <= self.today) and (end is None or self.today <= end)

    def begin(self, name: str, mode: Mode, member: str) -> None:
        """Start reading a file whose header is good."""
        self.modes[name] = mode
        self.members[name] = member
        self.keys.setdefault(name, set())

    def keep(self, name: str, key: str) -> None:
        """Remember that file ``name`` holds ``key``."""
        self.keys[name].add(key)

    def find(self, name: str, key: str) -> Found:
        """Whether ``key`` is in file ``name``: "missing" only when the file is bulk."""
        if name not in self.modes:
            return "unchecked"  # absent or unreadable: the key may be anywhere
        if key in self.keys[name]:
            return "found"
        return "missing" if self.modes[name] == "bulk" else "maybe"

    def check(self, row: Row, name: str, value: str, what: str, *, hard: bool = False) -> bool:
        """Report ``value`` when it is not in file ``name``; False when the row must go."""
        found = self.find(name, value) if value else "found"
        if found == "missing":
            severity: Severity = "error" if hard else "warning"
            tail = "; row skipped" if hard else ""
            row.issue(
                severity, "unresolved_reference", f"{what} {value!r} is not in {name}.csv{tail}"
            )
            return not hard
        if found == "maybe":
            row.issue(
                "warning",
                "unresolved_reference",
                f"{what} {value!r} is not in {name}.csv; it may be in the store already",
            )
        return True

    def span(self, sessions: tuple[str, ...]) -> tuple[date | None, date | None]:
        """The earliest start and latest end of the known sessions."""
        known = [self.sessions[s] for s in sessions if s in self.sessions]
        starts = [b for b, _ in known if b is not None]
        ends = [e for _, e in known if e is not None]
        return (min(starts) if starts else None, max(ends) if ends else None)
