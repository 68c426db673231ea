"""Read the gateway's own CSV: one person per row, with school, year, class and guardians.

This is the LMS admin's "import users from a file" flow. The file only adds and
updates: it never declares a full snapshot, so nothing is ever expired by it.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from gateway.csvfeed.columns import LEVELS, REQUIRED, Explicit, also, fields_for
from gateway.csvfeed.lines import MAX_LINE_BYTES, decoded_lines, sniff_delimiter
from gateway.csvfeed.quotes import Records
from gateway.csvfeed.rows import Rows
from mapping.records import FeedError, OrgKind, Record, RowIssue


@dataclass(frozen=True)
class ReadOptions:
    """What the admin told the import besides the file."""

    school: str = ""
    role: str = ""
    columns: Explicit = field(default_factory=dict)
    file: str = ""
    max_line_bytes: int = MAX_LINE_BYTES


# Whitespace and invisible characters (BOMs, zero-width spaces, controls) a cell may carry.
INVISIBLE = "".join(
    c for c in map(chr, range(0x10000)) if c.isspace() or unicodedata.category(c) in ("Cf", "Cc")
)


def _clean(value: str) -> str:
    """Trim whitespace and invisible characters from a cell."""
    return value.strip(INVISIBLE)


@dataclass
class Header:
    """Which column holds which field, and which columns name the levels under the school."""

    fields: list[tuple[int, str]] = field(default_factory=list)  # a column may hold several
    levels: list[tuple[int, OrgKind]] = field(default_factory=list)  # outermost first
    ignored: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        """Whether some column holds this field."""
        return any(f == name for _, f in self.fields)

    def take(self, position: int, name: str) -> bool:
        """Let a column hold a field, unless an earlier column holds it; say whether it does."""
        if name in LEVELS:
            kind = LEVELS[name]
            if kind != "department" and any(k == kind for _, k in self.levels):
                return False  # one year and one class column; any number of other levels
            self.levels.append((position, kind))
            self.levels.sort(key=lambda level: level[1] == "class")  # the class innermost
            return True
        if self.has(name):
            return False
        self.fields.append((position, name))
        return True


def _header(cells: list[str], options: ReadOptions) -> tuple[Header, list[RowIssue]]:
    """Map columns to fields; report unknown columns once, fail on missing ones."""
    header = Header()
    names = [_clean(cell) for cell in cells]
    for position, name in enumerate(names):
        taken = [f for f in fields_for(name, options.columns) if header.take(position, f)]
        if name and not taken:
            header.ignored.append(name)
    for position, name in enumerate(names):
        extra = also(name, options.columns)
        if extra and extra not in LEVELS and not header.has(extra):
            header.take(position, extra)
    missing = [f for f in REQUIRED if not header.has(f)]
    if missing:
        raise FeedError(
            f"missing required column(s): {', '.join(missing)}; the header has "
            f"{', '.join(repr(n) for n in names)}",
            code="missing_column",
            file=options.file,
            line=1,
        )
    if not header.has("role") and not options.role:
        raise FeedError(
            "no role column and no --role: say which role the file's people have",
            code="missing_role",
            file=options.file,
            line=1,
        )
    issues = []
    if header.ignored:
        message = f"columns ignored: {', '.join(header.ignored)}"
        issues.append(RowIssue("info", "unknown_columns", message, line=1, file=options.file))
    return header, issues


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
    cells = next(csv.reader([first], delimiter=delimiter))
    header, issues = _header(cells, options)
    yield from issues
    # Lines and records are capped by max_line_bytes already; the csv module's own
    # field limit (128 KiB) must not fail a file below that cap with a traceback.
    if csv.field_size_limit() <= options.max_line_bytes:
        csv.field_size_limit(options.max_line_bytes + 1)
    key_column = next(i for i, f in header.fields if f == "sync_key")
    records = Records(
        lines, delimiter, len(cells), options.max_line_bytes, options.file, key_column
    )
    try:
        yield from _rows(csv.reader(records, delimiter=delimiter), records, header, options)
    except csv.Error as err:  # a backstop: records are whole and capped before csv sees them
        raise FeedError(
            f"line {records.line}: {err}", code="bad_csv", file=options.file, line=records.line
        ) from None
    yield from records.issues


def _rows(
    reader: Iterator[list[str]], records: Records, header: Header, options: ReadOptions
) -> Iterator[Record | RowIssue]:
    """Records and issues for every row after the header."""
    rows = Rows(options.school, options.role, options.file, (f for _, f in header.fields))
    fields, levels = header.fields, header.levels
    for cells in reader:
        if records.issues:  # stray quotes found before this row
            yield from records.issues
            records.issues.clear()
        line, width = records.line, len(cells)
        values = {name: cells[i].strip(INVISIBLE) for i, name in fields if i < width}
        if not values.get("sync_key") and not any(c.strip(INVISIBLE) for c in cells):
            yield RowIssue("info", "blank_line", "blank line skipped", line=line, file=options.file)
            continue
        named = [(cells[i].strip(INVISIBLE), kind) for i, kind in levels if i < width]
        yield from rows.records(values, tuple(level for level in named if level[0]), line)
