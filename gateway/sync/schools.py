"""The store's schools, found by what an admin or a CSV file calls them, whichever source made them.

The gateway's CSV names a school by text (``--school`` or a school column). That text
finds an existing school node by key, path or unique name, so that a school an IMS or
OneRoster feed created gets the CSV's staff, years and classes rather than a twin of the
same name. Only a school nothing in the store answers to is created by the CSV's source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gateway.errors import UsageError
from gateway.sync.state import Snapshot
from mapping.records import FeedError, Org


class AmbiguousSchool(UsageError):
    """A school's name or key that several schools answer to."""


@dataclass(frozen=True, slots=True)
class School:
    """A school node as an admin sees it."""

    id: int
    key: str
    source: str
    name: str
    path: str

    @property
    def qualified_key(self) -> str:
        """``SOURCE:KEY``: unique, even where two sources use one key."""
        return f"{self.source}:{self.key}"


class Schools:
    """Finds schools by key, ``SOURCE:KEY``, path or unique name; ``source``'s own keys first."""

    def __init__(self, schools: Iterable[School], source: str = "") -> None:
        self.schools = list(schools)
        self.source = source

    def find(self, text: str) -> School | None:
        """The one school the text names; None when none does; AmbiguousSchool when several do."""
        folded = text.casefold()
        for matches in (
            [s for s in self.schools if s.source == self.source and s.key == text],
            [s for s in self.schools if s.qualified_key == text],
            [s for s in self.schools if s.key == text],
            [s for s in self.schools if s.path == text],
            [s for s in self.schools if s.name.casefold() == folded],
        ):
            if len(matches) == 1:
                return matches[0]
            if matches:
                found = ", ".join(f"{s.path} (key {s.qualified_key})" for s in matches)
                raise AmbiguousSchool(f"{text!r} names several schools: {found}; use the key")
        return None

    def canonical(self, text: str) -> str:
        """How a CSV names the school the text finds: by name, else path, else key; years and
        classes are keyed below it, so ``--school KEY`` and a school column agree."""
        school = self.find(text)
        if school is None or school.source == self.source:
            return school.key if school else text
        for name in (school.name, school.path):
            try:
                if self.find(name) == school:
                    return name
            except AmbiguousSchool:
                continue
        return school.qualified_key

    def adopt(self, snapshot: Snapshot, orgs: Mapping[str, Org]) -> None:
        """Let a run see the schools of other sources its feed names, under the feed's keys."""
        for key, org in orgs.items():
            if org.kind != "school" or org.parent or key in snapshot.nodes:
                continue
            try:
                school = self.find(key)
            except AmbiguousSchool as err:
                raise FeedError(
                    str(err), code="ambiguous_school", file=org.file, line=org.line
                ) from None
            if school is not None and school.id in snapshot.nodes_by_id:
                snapshot.nodes[key] = snapshot.nodes_by_id[school.id]
