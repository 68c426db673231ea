"""Read the gateway's own CSV: one person per row, with school, year, class and guardians.

This is the LMS admin's "import users from a file" flow. The file only adds and
updates: it never declares a full snapshot, so nothing is ever expired by it.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from gateway.csvfeed.columns import REQUIRED, field_for
from gateway.csvfeed.lines import MAX_LINE_BYTES, decoded_lines, sniff_delimiter
from gateway.csvfeed.quotes import Records
from mapping.records import (
    FeedError,
    GuardianLink,
    Membership,
    Org,
    Person,
    Record,
    RoleClaim,
    RowIssue,
)

Row = dict[str, str]


@dataclass(frozen=True)
class ReadOptions:
    """What the admin told the import besides the file."""

    school: str = ""
    role: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    file: str = ""
    max_line_bytes: int = MAX_LINE_BYTES


# Whitespace and invisible characters (BOMs, zero-width spaces, controls) a cell may carry.
INVISIBLE = "".join(
    c for c in map(chr, range(0x10000)) if c.isspace() or unicodedata.category(c) in ("Cf", "Cc")
)


def _clean(value: str) -> str:
    """Trim whitespace and invisible characters from a cell."""
    return value.strip(INVISIBLE)


def _header(cells: list[str], options: ReadOptions) -> tuple[dict[int, str], list[RowIssue]]:
    """Map column positions to fields; report unknown columns once, fail on missing ones."""
    fields: dict[int, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        name = _clean(cell)
        mapped = field_for(name, options.columns) if name else None
        if mapped and mapped not in fields.values():
            fields[position] = mapped
        elif name:
            unknown.append(name)
    missing = [f for f in REQUIRED if f not in fields.values()]
    if missing:
        raise FeedError(
            f"missing required column(s): {', '.join(missing)}; the header has "
            f"{', '.join(repr(_clean(c)) for c in cells)}",
            code="missing_column",
            file=options.file,
            line=1,
        )
    if "role" not in fields.values() and not options.role:
        raise FeedError(
            "no role column and no --role: say which role the file's people have",
            code="missing_role",
            file=options.file,
            line=1,
        )
    issues = []
    if unknown:
        issues.append(
            RowIssue(
                "info",
                "unknown_columns",
                f"columns ignored: {', '.join(unknown)}",
                line=1,
                file=options.file,
            )
        )
    return fields, issues


class _Rows:
    """Turns rows into records, remembering nodes and guardians already yielded."""

    def __init__(self, options: ReadOptions, fields: Iterable[str]) -> None:
        self.options = options
        self.nodes: set[str] = set()
        self.guardians: set[str] = set()
        self.seen_places: set[tuple[str, str | None, str | None]] = set()
        # Which guardian numbers the header has columns for: "guardian1.email" → 1.
        self.guardian_numbers = sorted({int(f[8]) for f in fields if f.startswith("guardian")})

    def issue(self, line: int, key: str, message: str, code: str = "missing_field") -> RowIssue:
        """An error for this row."""
        return RowIssue("error", code, message, "accounts", key, line, self.options.file)

    def nodes_for(self, row: Row, line: int) -> Iterator[Org]:
        """The school, year and class nodes of a row (each yielded once)."""
        school = row.get("school") or self.options.school
        if (school, row.get("year"), row.get("class")) in self.seen_places:
            return
        self.seen_places.add((school, row.get("year"), row.get("class")))
        parts = [(school, "school"), (row.get("year", ""), "year"), (row.get("class", ""), "class")]
        key = ""
        for name, kind in parts:
            if not name:
                continue
            parent, key = key, f"{key}/{name}" if key else name
            if key not in self.nodes:
                self.nodes.add(key)
                yield Org(key, name, kind, parent, line=line, file=self.options.file)  # type: ignore[arg-type]

    def records(self, row: Row, line: int) -> Iterator[Record | RowIssue]:
        """Records for one row: nodes, the person, the class membership, guardians."""
        key = row.get("sync_key", "")
        missing = [f for f in REQUIRED if not row.get(f)]
        if missing:
            yield self.issue(line, key, f"{', '.join(missing)} missing; row skipped")
            return
        role = row.get("role") or self.options.role
        if not role:
            yield self.issue(line, key, "role missing; row skipped")
            return
        if (row.get("year") or row.get("class")) and not (row.get("school") or self.options.school):
            yield self.issue(line, key, "year or class given without a school; row skipped")
            return
        nodes = list(self.nodes_for(row, line))
        yield from nodes
        place = self._place(row)
        yield Person(
            key,
            row["given_name"],
            row["family_name"],
            row.get("username") or None,
            row.get("email"),
            (RoleClaim(role),),
            (place,) if place else (),
            line=line,
            file=self.options.file,
        )
        if row.get("class"):
            yield Membership(key, self._path(row, "class"), role, line=line, file=self.options.file)
        yield from self.guardians_for(row, key, line)

    def _path(self, row: Row, upto: str) -> str:
        """The node key of a row's school, year or class: its path of names."""
        names = [row.get("school") or self.options.school]
        names += [row[f] for f in ("year", "class") if row.get(f)]
        depth = {"school": 1, "year": 1 + bool(row.get("year")), "class": len(names)}[upto]
        return "/".join(names[:depth])

    def _place(self, row: Row) -> str:
        """Where a person sits apart from the class: the year if given, else the school."""
        if not (row.get("school") or self.options.school):
            return ""
        return self._path(row, "year" if row.get("year") else "school")

    def guardians_for(self, row: Row, student: str, line: int) -> Iterator[Record | RowIssue]:
        """Guardian accounts (once each) and their links to this student."""
        for n in self.guardian_numbers:
            prefix = f"guardian{n}."
            key = row.get(f"{prefix}sync_key", "")
            if not key:
                continue
            guardian = {k.removeprefix(prefix): v for k, v in row.items() if k.startswith(prefix)}
            if not key:
                continue
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
                    file=self.options.file,
                )
            yield GuardianLink(key, student, line=line, file=self.options.file)


def read(stream: BinaryIO, options: ReadOptions) -> Iterator[Record | RowIssue]:
    """Stream records and row issues from a CSV file of people."""
    lines = decoded_lines(stream, options.file, options.max_line_bytes)
    _, first = next(lines, (1, ""))
    if not first.strip():
        raise FeedError(
            "the file is empty: expected a header line",
            code="empty_file",
            file=options.file,
            line=1,
        )
    delimiter = sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    fields, issues = _header(header, options)
    yield from issues
    # Lines and records are capped by max_line_bytes already; the csv module's own
    # field limit (128 KiB) must not fail a file below that cap with a traceback.
    if csv.field_size_limit() <= options.max_line_bytes:
        csv.field_size_limit(options.max_line_bytes + 1)
    key_column = next(i for i, f in fields.items() if f == "sync_key")
    records = Records(
        lines, delimiter, len(header), options.max_line_bytes, options.file, key_column
    )
    rows = _Rows(options, fields.values())
    columns = list(fields.items())
    try:
        for cells in csv.reader(records, delimiter=delimiter):
            if records.issues:
                yield from records.issues
                records.issues.clear()
            line = records.line
            width = len(cells)
            values = {field: cells[i].strip(INVISIBLE) for i, field in columns if i < width}
            if not values.get("sync_key") and not any(c.strip(INVISIBLE) for c in cells):
                yield RowIssue(
                    "info", "blank_line", "blank line skipped", line=line, file=options.file
                )
                continue
            yield from rows.records(values, line)
    except csv.Error as err:  # a backstop: records are whole and capped before csv sees them
        raise FeedError(
            f"line {records.line}: {err}", code="bad_csv", file=options.file, line=records.line
        ) from None
    yield from records.issues
