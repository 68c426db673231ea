"""What the plan needs to know about the store: a compact, read-only snapshot.

The store fills it (``gateway.store.snapshot``) in one query per entity; the
plan reads it and never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mapping.profiles import Profile, RoleMatcher
from mapping.settings import SchoolSettings


@dataclass(frozen=True, slots=True)
class StoredNode:
    """A hierarchy node as stored."""

    id: int
    key: str
    name: str
    kind: str
    parent_id: int | None
    status: str
    source_id: int | None


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class StoredMembership:
    """A membership in one of the source's groups: (account, group, role) → this."""

    id: int
    origin: str
    begin: date | None
    end: date | None
    primary: bool | None


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
    account_schools: dict[int, frozenset[int]] = field(default_factory=dict)
    usernames: set[str] = field(default_factory=set)
    memberships: dict[tuple[int, int, str], StoredMembership] = field(default_factory=dict)
    links: dict[tuple[int, int], int] = field(default_factory=dict)
    settings: dict[int, SchoolSettings] = field(default_factory=dict)

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
