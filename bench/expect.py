"""Expected report and store counts of a run, from the views of the store before and after.

A full snapshot (IMS, OneRoster) expires accounts it leaves out, inactivates
nodes and groups, and removes memberships and guardian links (their rows stay,
marked removed, and the store's counts are of active ones); the gateway's CSV
only adds and updates, so its store is the union of what every run sent (a class
move adds a membership and keeps the old one). Persons are compared one at a
time, so memory stays at the two worlds themselves.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.views import Fields, PersonView, View
from bench.world import World

ENTITIES = ("accounts", "nodes", "groups", "memberships", "guardian_links")
ACTIONS = ("created", "updated", "expired", "removed")
# What a full snapshot does to a record it leaves out, per entity (as the report counts it).
GONE = {
    "accounts": "expired",
    "nodes": "expired",
    "groups": "expired",
    "memberships": "removed",
    "guardian_links": "removed",
}


class _Tally:
    """Report counts per entity and the store's counts after the run."""

    def __init__(self, full: bool) -> None:
        self.full = full
        self.report = {e: dict.fromkeys(ACTIONS, 0) for e in ENTITIES}
        self.store: Counter[str] = Counter()
        self.profiles: Counter[str] = Counter()

    def keyed(self, entity: str, before: dict[str, Fields], after: dict[str, Fields]) -> None:
        """Nodes or groups: rows stay (inactive) when a full snapshot leaves them out."""
        counts = self.report[entity]
        counts["created"] += len(after.keys() - before.keys())
        counts["updated"] += sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
        gone = len(before.keys() - after.keys())
        counts[GONE[entity]] += gone if self.full else 0
        self.store[entity] += len(after.keys() | before.keys())
        self.store[f"{entity}_active"] += len(after) + (0 if self.full else gone)

    def sets(self, entity: str, before: frozenset[Any], after: frozenset[Any]) -> None:
        """Memberships or links of one person: a full snapshot removes those it drops."""
        counts = self.report[entity]
        counts["created"] += len(after - before)
        gone = len(before - after)
        counts[GONE[entity]] += gone if self.full else 0
        self.store[entity] += len(after) + (0 if self.full else gone)

    def person(self, before: PersonView | None, after: PersonView | None) -> None:
        """One person's account, memberships and links."""
        empty: frozenset[Any] = frozenset()
        accounts = self.report["accounts"]
        if after is None:
            assert before is not None, "a person is in one feed at least"
            accounts["expired"] += 1 if self.full else 0
            self.store["expired" if self.full else "active"] += 1
            self.profiles[before.account[3]] += 1
        else:
            if before is None:
                accounts["created"] += 1
            elif before.account != after.account:
                accounts["updated"] += 1
            self.store["active"] += 1
            self.profiles[after.account[3]] += 1
        self.sets(
            "memberships",
            before.memberships if before else empty,
            after.memberships if after else empty,
        )
        self.sets(
            "guardian_links",
            before.guardians if before else empty,
            after.guardians if after else empty,
        )

    def result(self) -> dict[str, Any]:
        """The expectation as JSON."""
        store = {
            "accounts": {"active": self.store["active"], "expired": self.store["expired"]},
            "profiles": dict(sorted(self.profiles.items())),
            **{e: self.store[e] for e in ENTITIES[1:]},
            "nodes_active": self.store["nodes_active"],
            "groups_active": self.store["groups_active"],
        }
        return {"report": self.report, "store": store}


def expect(view: View, before: World | None, after: World) -> dict[str, Any]:
    """What a run of ``after`` does to a store holding ``before`` (None: an empty store)."""
    tally = _Tally(view.full)
    tally.keyed("nodes", view.nodes(before) if before else {}, view.nodes(after))
    tally.keyed("groups", view.groups(before) if before else {}, view.groups(after))
    # Views are made one person at a time: at size L they would not fit comfortably at once.
    was = view.viewer(before) if before else None
    now = view.viewer(after)
    left = {p.key: p for p in before.persons} if before else {}
    for person in after.persons:
        old = left.pop(person.key, None)
        _compare(tally, was(old) if was and old else None, now(person))
    for old in left.values():
        _compare(tally, was(old) if was else None, None)
    return tally.result()


def _compare(tally: _Tally, before: PersonView | None, after: PersonView | None) -> None:
    """Count one person, unless neither feed holds them."""
    if before is not None or after is not None:
        tally.person(before, after)


def phases(view: View, base: World, changed: World) -> dict[str, dict[str, Any]]:
    """The expectations of the three import phases: initial, unchanged, changed."""
    return {
        "initial": expect(view, None, base),
        "unchanged": expect(view, base, base),
        "changed_1pct": expect(view, base, changed),
    }
