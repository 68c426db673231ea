"""Canonical records every reader yields, and the issues it reports.

Readers (`ims`, `oneroster`, `gateway.csvfeed`) turn bytes into a stream of
these values; the sync engine never sees a format. Standard library only.

Conventions shared by every reader:

- ``key`` is the record's external key exactly as the feed sent it (trimmed).
- An optional text field is ``None`` when the feed did not send it (leave the
  stored value alone) and ``""`` when the feed sent it empty.
- Roles are external role words exactly as sent ("student", "02", "lærer");
  matching them to site profiles is the mapping layer's job, not the reader's.
- ``deleted=True`` means the feed says the record is gone (IMS recstatus 3,
  OneRoster ``tobedeleted``, IMS role status 0): the engine expires or removes
  it through its safe-removal rules, it never hard-deletes.
- ``Person.old_key`` names the key the person had before (IMS sourcedidtype
  Old/New): the engine re-keys the existing account instead of creating one.
- ``Person.roles`` are the register's user-level roles (IMS ``institutionrole``,
  OneRoster ``users.role`` or roles.csv, the CSV's role): when a person has any,
  they decide the profile, and membership roles decide only each membership's
  role. Without them (plain IMS Enterprise), membership roles decide the profile.
  A person who is the guardian side of a GuardianLink holds the ``guardian``
  role as well. The engine works all this out; readers need not.
- A person may come without any role: the engine keeps it pending (no account)
  until a later feed brings a role or membership for it.
- ``line`` and ``file`` point at where the record starts, for issues.
- Records are values: nothing changes one after a reader yields it. They are not
  ``frozen`` dataclasses only because those cost five times as much to build, and a
  municipality's feed builds over a million of them.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Severity = Literal["error", "warning", "info"]
Entity = Literal["accounts", "nodes", "groups", "memberships", "guardian_links"]
OrgKind = Literal["site", "school_owner", "school", "year", "class", "department"]
GroupKind = Literal["course", "subject"]

ENTITIES: tuple[Entity, ...] = ("accounts", "nodes", "groups", "memberships", "guardian_links")


@dataclass(slots=True, unsafe_hash=True)
class RoleClaim:
    """An external role a person holds, optionally at one org or group."""

    role: str
    org: str = ""


@dataclass(slots=True, unsafe_hash=True)
class Person:
    """A person: becomes an account."""

    key: str
    given_name: str
    family_name: str
    username: str | None = None
    email: str | None = None
    roles: tuple[RoleClaim, ...] = ()
    orgs: tuple[str, ...] = ()
    enabled: bool = True
    deleted: bool = False
    old_key: str = ""
    source: str = ""
    line: int | None = None
    file: str = ""
    # An initial password as the feed sent it: hashed when planned, never shown or logged.
    password: str | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Org:
    """A hierarchy node (school owner, school, year, class, department).

    A node of kind ``class`` also owns a class group with the same key, so
    memberships may name a class node's key as their group.
    """

    key: str
    name: str
    kind: OrgKind
    parent: str = ""
    deleted: bool = False
    source: str = ""
    line: int | None = None
    file: str = ""


@dataclass(slots=True, unsafe_hash=True)
class Group:
    """A course or a subject group (teaching group) at a school."""

    key: str
    name: str
    kind: GroupKind
    school: str = ""
    course: str = ""
    subjects: tuple[str, ...] = ()
    begin: date | None = None
    end: date | None = None
    deleted: bool = False
    source: str = ""
    line: int | None = None
    file: str = ""


@dataclass(slots=True, unsafe_hash=True)
class Membership:
    """A person in a group, or at a hierarchy node, with an external role.

    ``group`` names a Group, a class node (its class group) or any other node
    (a placement of the person at that node).
    """

    person: str
    group: str
    role: str
    deleted: bool = False
    primary: bool | None = None
    begin: date | None = None
    end: date | None = None
    key: str = ""
    source: str = ""
    line: int | None = None
    file: str = ""


@dataclass(slots=True, eq=False)
class MembershipBatch:
    """Many plain memberships of one file (active, no dates, no primary flag) as columns.

    The key columns are dictionary-encoded: row i is ``persons[person[i]]`` in
    ``groups[group[i]]`` as ``roles[role[i]]``, sent on line ``lines[i]``. Row i's own key
    (an enrollment's sourcedId) is ``keys[key_ends[i]:key_ends[i + 1]]`` in UTF-8. A large
    file is one record, not a million (``oneroster.columnar``); ``batch.membership(i)``
    gives the row as a single record where one is needed.
    """

    persons: list[str]
    groups: list[str]
    roles: list[str]
    person: array[int]
    group: array[int]
    role: array[int]
    lines: array[int]
    keys: bytes
    key_ends: array[int]
    source: str = ""
    file: str = ""

    def __len__(self) -> int:
        return len(self.lines)

    def key(self, row: int) -> str:
        """Row ``row``'s own key."""
        return self.keys[self.key_ends[row] : self.key_ends[row + 1]].decode()

    def membership(self, row: int) -> Membership:
        """Row ``row`` as a single record."""
        return Membership(
            self.persons[self.person[row]],
            self.groups[self.group[row]],
            self.roles[self.role[row]],
            key=self.key(row),
            source=self.source,
            line=self.lines[row],
            file=self.file,
        )

    def take(self, rows: list[int]) -> MembershipBatch:
        """A batch of these rows only, in this order; its key lists hold only what they name."""
        persons, person = _recoded(self.persons, self.person, rows)
        groups, group = _recoded(self.groups, self.group, rows)
        roles, role = _recoded(self.roles, self.role, rows)
        ends, keys = array("q", [0]), bytearray()
        for row in rows:
            keys += self.keys[self.key_ends[row] : self.key_ends[row + 1]]
            ends.append(len(keys))
        lines = array("q", (self.lines[row] for row in rows))
        return MembershipBatch(
            persons,
            groups,
            roles,
            person,
            group,
            role,
            lines,
            bytes(keys),
            ends,
            self.source,
            self.file,
        )


def _recoded(values: list[str], codes: array[int], rows: list[int]) -> tuple[list[str], array[int]]:
    """The values ``rows`` use and their codes into them, numbered as first met."""
    number: dict[int, int] = {}
    recoded = array("i", (number.setdefault(codes[row], len(number)) for row in rows))
    return [values[code] for code in number], recoded


@dataclass(slots=True, unsafe_hash=True)
class GuardianLink:
    """A guardian responsible for a student (both are person keys)."""

    guardian: str
    student: str
    deleted: bool = False
    source: str = ""
    line: int | None = None
    file: str = ""


@dataclass(slots=True, unsafe_hash=True)
class Scope:
    """Declares that this feed holds the full state of one entity for its source.

    Records of that entity the source holds but the feed leaves out are gone
    (through safe removal and thresholds). Without a Scope a feed is a delta.
    """

    entity: Entity
    full: bool = True


@dataclass(slots=True, unsafe_hash=True)
class RowIssue:
    """A problem with one record (or an informational note); the run goes on."""

    severity: Severity
    code: str
    message: str
    entity: str = ""
    key: str = ""
    line: int | None = None
    file: str = ""
    skipped: int = 0  # how many of its entity's records the plan skipped for this reason


Record = Person | Org | Group | Membership | MembershipBatch | GuardianLink | Scope


class FeedError(Exception):
    """The feed as a whole cannot be read; the run fails and writes nothing."""

    def __init__(
        self, message: str, *, code: str = "feed_error", file: str = "", line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        return f"{where}: {self.message}" if where else self.message
