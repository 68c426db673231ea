"""What the plan needs to know about the store: a compact, read-only snapshot.

The store fills it (``gateway.store.snapshot``) in one query per entity; the
plan reads it and never touches the database.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from mapping.profiles import Profile, RoleMatcher
from mapping.records import Person
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
    nodes: tuple[int, ...]  # sorted ids
    expires: date | None = None  # an admin's expiry date: locked from that day


@dataclass(slots=True, unsafe_hash=True)
class StoredMembership:
    """A membership in one of the source's groups: (account, group, role) → this."""

    id: int
    origin: str = "sync"
    begin: date | None = None
    end: date | None = None
    primary: bool | None = None


class _RoleIndex(dict[str, int]):
    """Hierarchy role → small int, numbering a role the first time it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.roles: list[str] = []

    def __missing__(self, role: str) -> int:
        self.roles.append(role)
        self[role] = len(self.roles) - 1
        return self[role]


class StoredMemberships:
    """The memberships in a source's groups, packed: one int key and one int id per row.

    A key is ``account << 36 | group << 6 | role``; ``part(group, role)`` gives the low
    bits once per group and role, so a plan finds a row with one shift and one lookup.
    Rows with anything but the defaults (a manual origin, dates, primary) keep their
    details beside. Positions number the rows densely, so a plan marks what it saw in a
    bytearray rather than a set of keys. The key → position index (``positions``, 100 MB
    at a million rows) is built when a row is first looked up one at a time: a plan that
    goes column-wise (``sorted_keys``) never needs it.
    """

    def __init__(self, roles: Iterable[str] = ()) -> None:
        self._roles = _RoleIndex()
        for role in roles:
            self._roles[role]
        self._positions: dict[int, int] | None = None
        self._keys = array("Q")
        self._ids = array("q")
        self.details: dict[int, StoredMembership] = {}

    def part(self, group: int, role: str) -> int | None:
        """The group-and-role bits of a key; None for a role no stored row has."""
        index = self._roles.get(role)
        return None if index is None else (group << 6) | index

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
        position = len(self._ids)
        self.extend([(account, group, role, membership_id)])
        if origin != "sync" or begin is not None or end is not None or primary is not None:
            self.details[position] = StoredMembership(membership_id, origin, begin, end, primary)

    def extend(self, rows: Iterable[tuple[int, int, str, int]]) -> None:
        """Remember plain rows (origin sync, no dates, not primary): (account, group, role, id)."""
        start, index = len(self._keys), self._roles
        append_key, append_id = self._keys.append, self._ids.append
        for account, group, role, membership_id in rows:
            append_key((account << 36) | (group << 6) | index[role])
            append_id(membership_id)
        self._index_from(start)

    def role_numbers(self) -> dict[str, int]:
        """The number each role has in a key (so the store can pack keys itself)."""
        return dict(self._roles)

    def extend_packed(self, rows: Iterable[Sequence[tuple[int, int]]]) -> None:
        """Remember plain rows the store packed already: chunks of (key, id)."""
        start = len(self._keys)
        first, second = itemgetter(0), itemgetter(1)
        for chunk in rows:
            self._keys.extend(map(first, chunk))
            self._ids.extend(map(second, chunk))
        self._index_from(start)

    @property
    def positions(self) -> dict[int, int]:
        """Packed key → position, built on first use."""
        if self._positions is None:
            self._positions = {}
            self._index_from(0)
        return self._positions

    def _index_from(self, start: int) -> None:
        """Add the rows from ``start`` on to the index, once it is built."""
        if self._positions is not None:
            keys = self._keys[start:]
            self._positions.update(zip(keys, range(start, len(self._keys)), strict=True))

    def sorted_keys(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Every row's packed key in sorted order, and the position each one sits at."""
        import numpy as np  # here, not at the top: feeds without batches never load it

        if not len(self._keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = np.frombuffer(self._keys, dtype=np.uint64).astype(np.int64)
        order = np.argsort(keys, kind="stable")
        return keys[order], order

    def find(self, account: int, group: int, role: str) -> int | None:
        """The position of a stored membership, or None."""
        part = self.part(group, role)
        return None if part is None else self.positions.get((account << 36) | part)

    def at(self, position: int) -> StoredMembership:
        """The stored membership at a position."""
        return self.details.get(position) or StoredMembership(self._ids[position])

    def key_at(self, position: int) -> tuple[int, int, str]:
        """(account, group, role) of the membership at a position."""
        key = self._keys[position]
        return key >> 36, (key >> 6) & ((1 << 30) - 1), self._roles.roles[key & 63]

    def accounts_and_groups(self) -> Iterator[tuple[int, int]]:
        """(account, group) of every row, straight from the packed keys."""
        mask = (1 << 30) - 1
        return ((key >> 36, (key >> 6) & mask) for key in self._keys)

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
    # Rows a run removed: a membership or link that comes back makes its old row active.
    removed_memberships: StoredMemberships = field(default_factory=StoredMemberships)
    removed_links: dict[tuple[int, int], int] = field(default_factory=dict)
    settings: dict[int, SchoolSettings] = field(default_factory=dict)
    pending: dict[str, Person] = field(default_factory=dict)  # persons without a role yet
    # (account, group, role) of the memberships whose sync key the feed deletes by
    membership_keys: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    new_school_defaults: SchoolSettings = field(default_factory=SchoolSettings)
    new_school_presets: dict[str, SchoolSettings] = field(default_factory=dict)

    def new_school_settings(self, key: str, name: str) -> SchoolSettings:
        """What a school the store does not hold yet starts with: its preset, or the defaults."""
        presets = self.new_school_presets
        return presets.get(key) or presets.get(name.casefold()) or self.new_school_defaults

    def schools_of(self, account_id: int) -> frozenset[int]:
        """The schools an account of the source belongs to, by placement or group."""
        if self._schools is None:
            self._schools = self._account_schools()
        return self._schools.get(account_id, frozenset())

    def _account_schools(self) -> dict[int, frozenset[int]]:
        """Every account's schools, worked out once and only when a run needs them.

        Most accounts have one school, kept as a bare int until a second one shows up;
        accounts share a handful of school sets, so each set is one shared frozenset.
        """
        found: dict[int, int | set[int]] = {}

        def add(account_id: int, school: int) -> None:
            held = found.get(account_id)
            if held is None:
                found[account_id] = school
            elif isinstance(held, set):
                held.add(school)
            elif held != school:
                found[account_id] = {held, school}

        for account in self.accounts.values():
            for node in account.nodes:
                add(account.id, self.school_of_node(node) or 0)
        group_school = {g.id: g.school_id or 0 for g in self.groups.values()}
        for account_id, group_id in self.memberships.accounts_and_groups():
            school = group_school.get(group_id, 0)
            if found.get(account_id) != school:  # most are already known by placement
                add(account_id, school)
        shared: dict[frozenset[int], frozenset[int]] = {}
        schools = {}
        for account_id, held in found.items():
            these = frozenset(held if isinstance(held, set) else (held,)) - {0}
            if these:
                schools[account_id] = shared.setdefault(these, these)
        return schools

    def path_of(self, node_id: int) -> str:
        """A stored node's names from the top down, whichever source placed it."""
        names: list[str] = []
        seen: set[int] = set()
        node = self.nodes_by_id.get(node_id)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            names.append(node.name)
            node = self.nodes_by_id.get(node.parent_id) if node.parent_id is not None else None
        return "/".join(reversed(names))

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
