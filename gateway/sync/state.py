"""What the plan needs to know about the store: a compact, read-only snapshot.

The store fills it (``gateway.store.snapshot``) in one query per entity; the
plan reads it and never touches the database.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from mapping.profiles import Profile, RoleMatcher
from mapping.settings import SchoolSettings


@dataclass(slots=True, unsafe_hash=True)
class StoredNode:
    """A hierarchy node as stored."""

    id: int
    key: str
    name: str
    kind: str
    parent_id: int | None
    status: str
    source_id: int | None


@dataclass(slots=True, unsafe_hash=True)
class StoredGroup:
    """A group as stored."""

    id: int
    key: str
    name: str
    kind: str
    node_id: int | None
    school_id: int | None
    course_id: int | None
    subjects: str
    begin: date | None
    end: date | None
    status: str


@dataclass(slots=True, unsafe_hash=True)
class StoredAccount:
    """An account of the run's source as stored."""

    id: int
    key: str
    username: str
    given_name: str
    family_name: str
    email: str
    profile: str
    status: str
    local_fields: frozenset[str]
    nodes: frozenset[int]


@dataclass(slots=True, unsafe_hash=True)
class StoredMembership:
    """A membership in one of the source's groups: (account, group, role) → this."""

    id: int
    origin: str = "sync"
    begin: date | None = None
    end: date | None = None
    primary: bool | None = None


class StoredMemberships:
    """The memberships in a source's groups, packed: one int key and one int id per row.

    Rows with anything but the defaults (a manual origin, dates, primary) keep their
    details beside. ``position`` numbers the rows densely so a plan can mark what it saw
    in a bytearray rather than a set of keys.
    """

    def __init__(self) -> None:
        self._roles: list[str] = []
        self._role_index: dict[str, int] = {}
        self._positions: dict[int, int] = {}
        self._keys = array("Q")
        self._ids = array("q")
        self._details: dict[int, StoredMembership] = {}

    def _pack(self, account: int, group: int, role: str, add: bool = False) -> int | None:
        """One int for (account, group, role); None for a role no row has."""
        index = self._role_index.get(role)
        if index is None:
            if not add:
                return None
            index = self._role_index[role] = len(self._roles)
            self._roles.append(role)
        return (account << 36) | (group << 6) | index

    def add(
        self,
        account: int,
        group: int,
        role: str,
        membership_id: int,
        origin: str = "sync",
        begin: date | None = None,
        end: date | None = None,
        primary: bool | None = None,
    ) -> None:
        """Remember one stored membership."""
        key = self._pack(account, group, role, add=True)
        assert key is not None
        position = self._positions[key] = len(self._ids)
        self._keys.append(key)
        self._ids.append(membership_id)
        if origin != "sync" or begin is not None or end is not None or primary is not None:
            self._details[position] = StoredMembership(membership_id, origin, begin, end, primary)

    def extend(self, rows: Iterable[tuple[int, int, str, int]]) -> None:
        """Remember plain rows (origin sync, no dates, not primary): (account, group, role, id)."""
        positions, keys, ids, roles = self._positions, self._keys, self._ids, self._role_index
        for account, group, role, membership_id in rows:
            index = roles.get(role)
            if index is None:
                self._pack(account, group, role, add=True)
                index = roles[role]
            key = (account << 36) | (group << 6) | index
            positions[key] = len(ids)
            keys.append(key)
            ids.append(membership_id)

    def find(self, account: int, group: int, role: str) -> int | None:
        """The position of a stored membership, or None."""
        key = self._pack(account, group, role)
        return None if key is None else self._positions.get(key)

    def at(self, position: int) -> StoredMembership:
        """The stored membership at a position."""
        return self._details.get(position) or StoredMembership(self._ids[position])

    def key_at(self, position: int) -> tuple[int, int, str]:
        """(account, group, role) of the membership at a position."""
        key = self._keys[position]
        return key >> 36, (key >> 6) & ((1 << 30) - 1), self._roles[key & 63]

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[tuple[int, int, str]]:
        """(account, group, role) of every row, in position order."""
        return (self.key_at(position) for position in range(len(self._ids)))


@dataclass
class Snapshot:
    """The store as one source's run sees it."""

    source_id: int | None
    revision: int
    matcher: RoleMatcher
    profiles: dict[str, Profile]
    nodes_by_id: dict[int, StoredNode] = field(default_factory=dict)
    nodes: dict[str, StoredNode] = field(default_factory=dict)
    groups: dict[str, StoredGroup] = field(default_factory=dict)
    accounts: dict[str, StoredAccount] = field(default_factory=dict)
    _schools: dict[int, frozenset[int]] | None = field(default=None, init=False, repr=False)
    usernames: set[str] = field(default_factory=set)
    memberships: StoredMemberships = field(default_factory=StoredMemberships)
    links: dict[tuple[int, int], int] = field(default_factory=dict)
    settings: dict[int, SchoolSettings] = field(default_factory=dict)

    def schools_of(self, account_id: int) -> frozenset[int]:
        """The schools an account of the source belongs to, by placement or group."""
        if self._schools is None:
            self._schools = self._account_schools()
        return self._schools.get(account_id, frozenset())

    def _account_schools(self) -> dict[int, frozenset[int]]:
        """Every account's schools, worked out once and only when a run needs them."""
        schools: dict[int, set[int]] = {}
        for account in self.accounts.values():
            schools[account.id] = {self.school_of_node(n) or 0 for n in account.nodes}
        group_school = {g.id: g.school_id or 0 for g in self.groups.values()}
        for account_id, group_id, _ in self.memberships:
            schools.setdefault(account_id, set()).add(group_school.get(group_id, 0))
        return {a: frozenset(s - {0}) for a, s in schools.items()}

    def school_of_node(self, node_id: int | None) -> int | None:
        """The id of the school at or above a stored node."""
        seen: set[int] = set()
        while node_id is not None and node_id not in seen:
            seen.add(node_id)
            node = self.nodes_by_id.get(node_id)
            if node is None:
                return None
            if node.kind == "school":
                return node.id
            node_id = node.parent_id
        return None
