"""The hierarchy a run would leave behind: the feed's orgs laid over the stored nodes."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.sync.state import Snapshot
from mapping.records import Org


class Tree:
    """Answers parent, school, path and depth questions by node key."""

    def __init__(self, snapshot: Snapshot, orgs: Mapping[str, Org]) -> None:
        self._snapshot = snapshot
        self._orgs = orgs
        self._schools: dict[str, str] = {}
        self.cycles: dict[str, list[str]] = {}
        self._cut_cycles()

    def __contains__(self, key: str) -> bool:
        return key in self._orgs or key in self._snapshot.nodes

    def kind(self, key: str) -> str:
        """The node's kind ("" when unknown)."""
        if key in self._orgs:
            return self._orgs[key].kind
        stored = self._snapshot.nodes.get(key)
        return stored.kind if stored else ""

    def name(self, key: str) -> str:
        """The node's name."""
        if key in self._orgs:
            return self._orgs[key].name
        stored = self._snapshot.nodes.get(key)
        return stored.name if stored else key

    def parent(self, key: str) -> str:
        """The parent's key, "" at the top (a node naming itself as parent is a root)."""
        if key in self.cycles:
            return ""
        return self._linked_parent(key)

    def _linked_parent(self, key: str) -> str:
        """The parent the feed or the store names, cycles and all."""
        if key in self._orgs:
            parent = self._orgs[key].parent
        else:
            stored = self._snapshot.nodes.get(key)
            above = None
            if stored and stored.parent_id is not None:
                above = self._snapshot.nodes_by_id.get(stored.parent_id)
            parent = above.key if stored and above and above.source_id == stored.source_id else ""
        return "" if parent == key or parent not in self else parent

    def _cut_cycles(self) -> None:
        """Make the least key of every parent cycle a root, remembering the cycle it was in."""
        acyclic: set[str] = set()
        for start in self._orgs:
            chain: list[str] = []
            key = start
            while key and key not in acyclic and key not in chain:
                chain.append(key)
                key = self._linked_parent(key)
            if key in chain:
                cycle = chain[chain.index(key) :]
                least = cycle.index(min(cycle))
                self.cycles[cycle[least]] = cycle[least:] + cycle[:least]
            acyclic.update(chain)

    def ancestors(self, key: str) -> list[str]:
        """The node and its ancestors, nearest first; cycles stop the walk."""
        chain: list[str] = []
        while key and key not in chain:
            chain.append(key)
            key = self.parent(key)
        return chain

    def school(self, key: str) -> str:
        """The key of the school at or above the node ("" when none)."""
        if key not in self._schools:
            chain = self.ancestors(key)
            self._schools[key] = next((k for k in chain if self.kind(k) == "school"), "")
        return self._schools[key]

    def path(self, key: str) -> str:
        """The node's names from the top down, e.g. ``Nordby skole/8/8A``."""
        return "/".join(self.name(k) for k in reversed(self.ancestors(key)))

    def depth(self, key: str) -> int:
        """How many ancestors the node has."""
        return len(self.ancestors(key)) - 1
