"""The feed's plain memberships as columns: batches joined, duplicates settled, no row objects.

Readers hand large files over as ``MembershipBatch`` records. Here they become one
set of integer columns over shared dictionaries of person, group and role keys,
with each (person, group, role) once: a later row about one wins, as it does for
single records. ``first`` keeps the line a membership was first named on, which is
where the row path would have met it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mapping.records import MembershipBatch

Ints = np.ndarray[Any, np.dtype[np.int64]]


def _codes(values: Any) -> Ints:
    """A batch's code column (an ``array('i')``) as int64."""
    return np.frombuffer(values, dtype=np.intc).astype(np.int64)


class _Dictionary:
    """Keys numbered in the order first met, shared by every batch."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}

    def recode(self, values: list[str], codes: Any) -> Ints:
        """A batch's codes into this dictionary's numbers."""
        index = self.index
        for value in values:
            if value not in index:
                index[value] = len(self.values)
                self.values.append(value)
        mapping = np.array([index[v] for v in values] or [0], dtype=np.int64)
        return mapping[_codes(codes)]


class Columns:
    """Plain memberships of the feed, one row each: codes, lines, and their own keys."""

    def __init__(self, batches: list[MembershipBatch]) -> None:
        self.persons, self.groups, self.roles = _Dictionary(), _Dictionary(), _Dictionary()
        parts: list[tuple[Ints, Ints, Ints, Ints, Ints]] = []
        self._keys: list[tuple[bytes, Ints]] = []
        for number, batch in enumerate(batches):
            rows = len(batch)
            parts.append(
                (
                    self.persons.recode(batch.persons, batch.person),
                    self.groups.recode(batch.groups, batch.group),
                    self.roles.recode(batch.roles, batch.role),
                    np.frombuffer(batch.lines, dtype=np.int64),
                    np.full(rows, number, dtype=np.int64),
                )
            )
            self._keys.append((batch.keys, np.frombuffer(batch.key_ends, dtype=np.int64)))
        person, group, role, lines, source = (np.concatenate(c) for c in zip(*parts, strict=True))
        del parts  # a million rows: each full column is 8 MB, so each goes once taken
        row = np.concatenate([np.arange(len(b), dtype=np.int64) for b in batches])
        # The last row about a membership wins; it is met where its first row stood. One
        # stable sort gives both: the first and the last of each run of equal keys.
        packed = self._pack(person, group, role)
        order = np.argsort(packed, kind="stable")
        packed = packed[order]
        starts = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1]])
        first, last = order[starts], order[np.r_[starts[1:], len(packed)] - 1]
        del order
        self.packed = packed[starts]  # sorted
        del packed, starts
        self.person, self.group, self.role = person[last], group[last], role[last]
        del person, group, role
        self.lines, self.first = lines[last], lines[first]
        del lines, first
        self._source, self._row = source[last], row[last]

    def _pack(self, person: Any, group: Any, role: Any) -> Any:
        """One int per (person, group, role)."""
        groups, roles = len(self.groups.values) or 1, len(self.roles.values) or 1
        return (person * groups + group) * roles + role

    def find(self, person: str, group: str, role: str) -> int | None:
        """The row of a membership, or None."""
        codes = (self.persons.index.get(person), self.groups.index.get(group))
        code = self.roles.index.get(role)
        if codes[0] is None or codes[1] is None or code is None:
            return None
        packed = self._pack(codes[0], codes[1], code)
        at = int(np.searchsorted(self.packed, packed))
        return at if at < len(self.packed) and self.packed[at] == packed else None

    def keep(self, rows: Any) -> None:
        """Keep only these rows (a boolean mask)."""
        for name in ("person", "group", "role", "lines", "first", "_source", "_row", "packed"):
            setattr(self, name, getattr(self, name)[rows])

    def key(self, row: int) -> str:
        """A row's own key (the feed's key of the membership)."""
        data, ends = self._keys[int(self._source[row])]
        at = int(self._row[row])
        return data[int(ends[at]) : int(ends[at + 1])].decode()

    def triple(self, row: int) -> tuple[str, str, str]:
        """(person, group, role) of a row."""
        return (
            self.persons.values[int(self.person[row])],
            self.groups.values[int(self.group[row])],
            self.roles.values[int(self.role[row])],
        )

    def __len__(self) -> int:
        return len(self.lines)
