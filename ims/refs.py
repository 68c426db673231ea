"""Keys seen so far, and the records waiting for keys that come later in the file.

Feeds are usually ordered persons, groups, memberships, but nothing is dropped
for coming first. Only keys are kept, never elements, so memory grows with the
number of distinct keys.

- A group is placed (``school``, ``course``) once its ancestors are known; until
  then it waits. At the end of the file a group whose ancestor never came names
  that first unknown ancestor as its ``school``: the engine walks up from it in
  its store (and reports it when the store lacks it too).
- In a ``full`` feed a membership or guardian link naming a person or group that
  is not in the file cannot be right (the snapshot is the whole truth), so it
  waits for the end of the file and then becomes an ``unresolved_reference``
  error instead of a record. In a delta feed it is yielded at once: the key may
  well be in the store, and the engine reports it when it is not.
- A full file speaks only for what it holds: one with no persons (or no groups)
  at all, such as PIFU-IMS's file of memberships alone, names persons (groups)
  the store has from earlier files, so at the end those references are yielded
  for the engine to resolve.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from mapping.records import Group, GroupKind, GuardianLink, Membership, OrgKind, RowIssue

Linked = Membership | GuardianLink


@dataclass(frozen=True, slots=True)
class Node:
    """What the reader remembers of a group or org: its kind and its parent."""

    org: OrgKind | None
    group: GroupKind | None
    parent: str


class Refs:
    """Keys seen in one file and the records held back until the keys they name appear."""

    def __init__(self, full: bool) -> None:
        self.full = full
        self.persons: set[str] = set()
        self.nodes: dict[str, Node] = {}
        self._groups: list[tuple[Group, str]] = []
        self._linked: list[Linked] = []

    def place(self, group: Group, parent: str) -> Iterator[Group]:
        """Yield the group with its school and course, or hold it until its ancestors come."""
        school, course, missing = self._ancestry(parent)
        if missing:
            self._groups.append((group, parent))
        else:
            yield replace(group, school=school, course=course)

    def hold(self, record: Linked) -> bool:
        """Hold a link for the end if (full feeds) it names a key not seen yet; False: yield it."""
        if self.full and self._missing(record):
            self._linked.append(record)
            return True
        return False

    def finish(self) -> Iterator[Group | Linked | RowIssue]:
        """At the end of the file: the held records, or an issue for each that stays unresolved."""
        for group, parent in self._groups:
            school, course, missing = self._ancestry(parent)
            yield replace(group, school=school or missing, course=course)
        for record in self._linked:
            missing = self._missing(record, strict=False)
            yield _unresolved(record, missing) if missing else record
        self._groups, self._linked = [], []

    def _ancestry(self, parent: str) -> tuple[str, str, str]:
        """(nearest school, parent course, first ancestor not seen yet) above ``parent``."""
        first = self.nodes.get(parent)
        course = parent if first is not None and first.group == "course" else ""
        key, walked = parent, set()
        while key and key not in walked:
            node = self.nodes.get(key)
            if node is None:
                return "", course, key
            if node.org == "school":
                return key, course, ""
            walked.add(key)
            key = node.parent
        return "", course, ""

    def _missing(self, record: Linked, strict: bool = True) -> str:
        """What the record names that the file does not hold ("" when nothing).

        Not strict (at the end of the file): a file holding no persons (or no groups)
        lacks none, since it does not speak for them.
        """
        persons, nodes = self.persons, self.nodes
        if isinstance(record, GuardianLink):
            lacks = record.guardian not in persons and (strict or bool(persons))
            return f"guardian {record.guardian!r}" if lacks else ""
        if record.person in persons and record.group in nodes:
            return ""  # the common case, without building the message
        missing = []
        if record.person not in persons and (strict or persons):
            missing.append(f"person {record.person!r}")
        if record.group not in nodes and (strict or nodes):
            missing.append(f"group {record.group!r}")
        return " and ".join(missing)


def _unresolved(record: Linked, missing: str) -> RowIssue:
    """The error for a held record whose key never appeared in the full feed."""
    if isinstance(record, GuardianLink):
        entity, key = "guardian_links", record.guardian
        what = f"guardian link of student {record.student!r}"
    else:
        entity, key = "memberships", f"{record.person}@{record.group}"
        what = f"membership (role {record.role}) of {record.person!r} in {record.group!r}"
    return RowIssue(
        "error",
        "unresolved_reference",
        f"{what} names {missing}, which is not in this full feed; skipped",
        entity=entity,
        key=key,
        line=record.line,
        file=record.file,
    )
