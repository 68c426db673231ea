"""Build store snapshots in memory, for plan tests that need no database."""

from __future__ import annotations

from datetime import date
from itertools import count

from gateway.sync.changes import Policy
from gateway.sync.desired import Desired, collect
from gateway.sync.plan import Plan, plan
from gateway.sync.state import (
    Snapshot,
    StoredAccount,
    StoredGroup,
    StoredNode,
)
from mapping.profiles import DEFAULT_PROFILES, RoleMatcher, role_key
from mapping.records import Record, RowIssue
from mapping.settings import SchoolSettings
from mapping.usernames import username_key

TODAY = date(2026, 11, 22)
SOURCE = 1


class Store:
    """A fake store state: add stored rows, then plan a feed against it."""

    def __init__(self) -> None:
        profiles = {p.name: p for p, _ in DEFAULT_PROFILES}
        site = {role_key(r): p.name for p, roles in DEFAULT_PROFILES for r in roles}
        self.snapshot = Snapshot(SOURCE, 7, RoleMatcher(profiles, site, {}), profiles)
        self._ids = count(100)

    def node(self, key: str, kind: str = "school", parent: str = "", **settings: object) -> int:
        """Store a node (with settings when it is a school); return its id."""
        parent_id = self.snapshot.nodes[parent].id if parent else None
        node = StoredNode(
            next(self._ids), key, key.split("/")[-1], kind, parent_id, "active", SOURCE
        )
        self.snapshot.nodes[key] = self.snapshot.nodes_by_id[node.id] = node
        if kind == "school":
            self.snapshot.settings[node.id] = SchoolSettings(**settings)  # type: ignore[arg-type]
        return node.id

    def group(self, key: str, kind: str = "class", school: str = "", node: str = "") -> int:
        """Store a group; return its id."""
        school_id = self.snapshot.nodes[school].id if school else None
        node_id = self.snapshot.nodes[node].id if node else None
        name = key.split("/")[-1]
        group = StoredGroup(
            next(self._ids), key, name, kind, node_id, school_id, None, "", None, None, "active"
        )
        self.snapshot.groups[key] = group
        return group.id

    def account(
        self,
        key: str,
        given: str,
        family: str,
        profile: str = "Student",
        username: str = "",
        email: str = "",
        nodes: tuple[str, ...] = (),
        status: str = "active",
        local: tuple[str, ...] = (),
    ) -> int:
        """Store an account of the source; return its id."""
        username = username or f"{given[:2]}{family[:2]}"
        node_ids = tuple(sorted(self.snapshot.nodes[n].id for n in nodes))
        account = StoredAccount(
            next(self._ids),
            key,
            username,
            given,
            family,
            email,
            profile,
            status,
            frozenset(local),
            node_ids,
        )
        self.snapshot.accounts[key] = account
        self.snapshot.usernames.add(username_key(username))
        return account.id

    def member(self, account: int, group: int, role: str = "student", origin: str = "sync") -> int:
        """Store a membership; return its id."""
        membership_id = next(self._ids)
        self.snapshot.memberships.add(account, group, role, membership_id, origin)
        return membership_id

    def plan(self, *records: Record | RowIssue, **policy: object) -> Plan:
        """Plan a feed of records against this store."""
        desired: Desired = collect(records)
        return plan(desired, self.snapshot, Policy(today=TODAY, **policy))  # type: ignore[arg-type]
