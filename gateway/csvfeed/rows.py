"""Turn the gateway's CSV rows into records: nodes, the person, the class membership, guardians."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import accumulate

from gateway.csvfeed.columns import REQUIRED
from mapping.records import (
    GuardianLink,
    Membership,
    Org,
    OrgKind,
    Person,
    Record,
    RoleClaim,
    RowIssue,
)

Row = dict[str, str]
Level = tuple[str, OrgKind]  # a node under the school, as a row names it: (name, kind)


class Rows:
    """Turns rows into records, remembering nodes and guardians already yielded."""

    def __init__(self, school: str, role: str, file: str, fields: Iterable[str]) -> None:
        self.school, self.role, self.file = school, role, file
        self.nodes: set[str] = set()
        self.guardians: set[str] = set()
        self.seen_places: set[tuple[str, tuple[Level, ...]]] = set()
        # Which guardian numbers the header has columns for: "guardian12.email" → 12.
        numbers = {f.partition(".")[0].removeprefix("guardian") for f in fields}
        self.guardian_numbers = sorted(int(n) for n in numbers if n.isdigit())

    def issue(self, line: int, key: str, message: str, code: str = "missing_field") -> RowIssue:
        """An error for this row."""
        return RowIssue("error", code, message, "accounts", key, line, self.file)

    def nodes_for(self, school: str, levels: tuple[Level, ...], line: int) -> Iterator[Org]:
        """The school node and the nodes of a row's levels under it (each yielded once)."""
        if (school, levels) in self.seen_places:
            return
        self.seen_places.add((school, levels))
        key = ""
        for name, kind in ((school, "school"), *levels):
            parent, key = key, f"{key}/{name}" if key else name
            if key not in self.nodes:
                self.nodes.add(key)
                yield Org(key, name, kind, parent, line=line, file=self.file)

    def records(
        self, row: Row, levels: tuple[Level, ...], line: int
    ) -> Iterator[Record | RowIssue]:
        """Records for one row: nodes, the person, the class membership, guardians."""
        key = row.get("sync_key", "")
        missing = [f for f in REQUIRED if not row.get(f)]
        if missing:
            yield self.issue(line, key, f"{', '.join(missing)} missing; row skipped")
            return
        role = row.get("role") or self.role
        if not role:
            yield self.issue(line, key, "role missing; row skipped")
            return
        school = row.get("school") or self.school
        if levels and not school:
            message = f"{levels[-1][1]} {levels[-1][0]!r} given without a school; row skipped"
            yield self.issue(line, key, message)
            return
        yield from self.nodes_for(school, levels, line) if school else ()
        # Node keys are paths of names; a person sits at the innermost node that is not
        # their class (the school if none), and the class is a membership.
        paths = list(accumulate((school, *(name for name, _ in levels)), "{}/{}".format))
        in_class = bool(levels) and levels[-1][1] == "class"
        place = paths[-2] if in_class else paths[-1]
        yield Person(
            key,
            row["given_name"],
            row["family_name"],
            row.get("username") or None,
            row.get("email"),
            (RoleClaim(role),),
            (place,) if place else (),
            line=line,
            file=self.file,
            password=row.get("password") or None,
        )
        if in_class:
            yield Membership(key, paths[-1], role, line=line, file=self.file)
        yield from self.guardians_for(row, key, line)

    def guardians_for(self, row: Row, student: str, line: int) -> Iterator[Record | RowIssue]:
        """Guardian accounts (once each) and their links to this student."""
        for n in self.guardian_numbers:
            prefix = f"guardian{n}."
            key = row.get(f"{prefix}sync_key", "")
            if not key:
                continue
            guardian = {k.removeprefix(prefix): v for k, v in row.items() if k.startswith(prefix)}
            if key not in self.guardians:
                if not (guardian.get("given_name") and guardian.get("family_name")):
                    message = f"guardian {n} needs a first and last name; guardian skipped"
                    yield self.issue(line, key, message)
                    continue
                self.guardians.add(key)
                yield Person(
                    key,
                    guardian["given_name"],
                    guardian["family_name"],
                    guardian.get("username") or None,
                    guardian.get("email"),
                    (RoleClaim("guardian"),),
                    line=line,
                    file=self.file,
                )
            yield GuardianLink(key, student, line=line, file=self.file)
