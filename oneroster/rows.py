"""Stream one CSV file of a package: dialect, common columns and typed cells.

Quirks that are fully recovered (``TRUE``, ``Student``, a filled-in status in a
bulk file) are counted and reported once per file and column, naming the first
row; problems that change or drop a row are reported on that row.

Each row takes one of two paths (``Table.records``): the file's fast row function
(``oneroster.fast``) reads the rows that have nothing to report straight from the
parsed cells; every other row becomes a ``Row`` here and is read carefully.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import IO

from mapping.records import Record, RowIssue, Severity
from oneroster import header
from oneroster.columns import DELTA_REQUIRED, LEGACY_DELETED, STATUSES, FileSpec, Mode
from oneroster.lines import MAX_LINE, Lines

SUMMARIES = {
    "bulk_status": "{count} row(s) fill in status or dateLastModified, which bulk rows leave "
    "blank; the statuses are honoured",
    "status_inactive": "{count} row(s) have the legacy status 'inactive', read as 'tobedeleted'",
    "vocabulary_case": "{column}: {count} value(s) in another case than the spec's, "
    "e.g. {example!r}; read case-insensitively",
    "boolean_case": "{column}: {count} value(s) not written true/false, e.g. {example!r}; "
    "read case-insensitively",
    "invalid_datetime": "{column}: {count} value(s) are no ISO 8601 date-time, e.g. {example!r}",
    "bom_inside": "{count} byte order mark(s) inside the file, where files were joined; removed",
    "row_length": "{count} row(s) have another number of cells than the header",
    "role_not_current": "{count} user(s) have roles.csv roles that their beginDate and "
    "endDate do not hold today, e.g. {example}; left out, as the users hold another role today",
    "stale_role_dates": "{count} user(s) hold only roles.csv roles that are not held today by "
    "their beginDate and endDate, e.g. {example}; those roles were kept",
}
TALLIED_AS_INFO = frozenset({"role_not_current"})  # the register's history, not a quirk


@dataclass
class _Tally:
    count: int
    line: int
    key: str
    example: str


class Kept(Enum):
    """What a fast row function returns for a row it read that gives no record."""

    KEPT = "kept"


KEPT = Kept.KEPT
# A file's fast row function: (cells as parsed, line) → the row's record, KEPT, or
# None when the row needs the careful path (see ``oneroster.fast``).
FastRow = Callable[[list[str], int], Record | Kept | None]
Careful = Callable[["Row"], Iterator[Record]]


def parse_date(value: str) -> date:
    """A ``YYYY-MM-DD`` date (a date-time gives its date); ValueError otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return datetime.fromisoformat(value).date()


class Table:
    """One CSV file as it streams: its header, its usable rows, and the issues they raise."""

    def __init__(
        self, stream: IO[str], file: str, spec: FileSpec, mode: Mode, limit: int = MAX_LINE
    ) -> None:
        self.file, self.spec, self.mode = file, spec, mode
        self.required = spec.required + (DELTA_REQUIRED if mode == "delta" else ())
        self.pending: list[RowIssue] = []
        self.damaged: list[str] = []  # keys of rows lost to damage: they exist, unread
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._lines = lines = Lines(stream, file, limit)
        self.header = header.Header()
        first = lines.readline()
        if lines.leading_bom:
            self.issue("warning", "bom", "the file starts with a byte order mark; ignored", 1)
        if first.count(";") > first.count(","):
            lines.delimiter = ";"
            self.issue("warning", "semicolon_delimiter", "cells are separated by ';'", 1)
        lines.push(first)
        self._records = lines.records(self._damaged)
        names = next(self._records, (1, []))[1]
        self.header = header.match(names, spec, mode)
        broken = _broken_header(names, lines.line)
        if broken:
            self.header.notes, self.header.failed = [broken], True
        for severity, code, message in self.header.notes:
            self.issue(severity, code, message, 1)
        lines.width = self.header.width

    def _damaged(self, line: int, cells: list[str], spanned: int) -> None:
        """Report a record that swallowed the lines after it; only its first line is lost."""
        at = self.header.index.get("sourcedId")
        key = cells[at].strip() if at is not None and at < len(cells) else ""
        if key:
            self.damaged.append(key)
        self.issue(
            "error",
            "quote_spans_rows",
            f"a quote opens on line {line} and is not closed where the row ends, so "
            f"{spanned} lines read as one row; that row skipped, the lines after it read as rows",
            line,
            key,
        )

    def rows(self) -> Iterator[Row]:
        """The rows with a key, their required values and a usable status."""
        for start, cells in self._records:
            row = self.row(cells, start)
            if row is not None:
                yield row

    @property
    def lines_read(self) -> int:
        """How many physical lines have been read so far."""
        return self._lines.line

    @property
    def limit(self) -> int:
        """The cap on a line's length in bytes."""
        return self._lines.limit

    @property
    def delimiter(self) -> str:
        """The cell delimiter the header showed."""
        return self._lines.delimiter

    def records(
        self, fast: FastRow, careful: Careful, rows: Iterable[tuple[int, list[str]]] | None = None
    ) -> Iterator[Record | RowIssue]:
        """Each row's records, then its issues: by ``fast`` where it can, else ``careful``.

        ``rows``: (line, cells) to read instead of the rest of the stream.
        """
        for start, cells in self._records if rows is None else rows:
            if self.pending:  # a damaged record was reported while this one was read
                yield from self.drain()
            record = fast(cells, start)
            if record is None:  # the row has something to report
                row = self.row(cells, start)
                yield from self.drain()
                if row is not None:
                    yield from careful(row)
                    yield from self.drain()
            elif record is not KEPT:
                yield record

    def row(self, cells: list[str], line: int) -> Row | None:
        """The row of ``cells`` when it is usable; None when blank or skipped (with its issue)."""
        cells = [c.strip() for c in cells]
        if any(cells):
            row = Row(self, line, cells)
            if self._usable(row):
                return row
        return None

    def _usable(self, row: Row) -> bool:
        width = self.header.width
        if len(row.cells) < width or any(row.cells[width:]):
            self.tally("row_length", "", row.line, row.key, "")
        missing = [c for c in self.required if not row.text(c)]
        if missing and not self._deletes_by_key(row, missing):
            row.issue("error", "missing_value", f"no value for {', '.join(missing)}; row skipped")
            return False
        return self._status(row)

    def _deletes_by_key(self, row: Row, missing: list[str]) -> bool:
        """Whether a row deletes an enrollment by its sourcedId alone (a delta may say no more)."""
        status = row.text("status").casefold()
        return (
            self.spec.name == "enrollments"
            and "sourcedId" not in missing
            and status in ("tobedeleted", LEGACY_DELETED)
        )

    def _status(self, row: Row) -> bool:
        """Set ``row.deleted`` from the status; False when the row must be skipped."""
        status, modified = row.text("status"), row.text("dateLastModified")
        self.status_tallies(row.line, row.key, status, modified)
        folded = status.casefold()
        if status and folded not in STATUSES and folded != LEGACY_DELETED:
            row.issue(
                "error",
                "invalid_status",
                f"status {status!r} is not one of {', '.join(STATUSES)}; row skipped",
            )
            return False
        row.deleted = folded in ("tobedeleted", LEGACY_DELETED)
        return True

    def status_tallies(self, line: int, key: str, status: str, modified: str) -> None:
        """Count what the status columns of a row get wrong but the reader recovers."""
        if self.mode == "bulk" and (status or modified):
            self.tally("bulk_status", "", line, key, status)
        if modified and not _is_datetime(modified):
            self.tally("invalid_datetime", "dateLastModified", line, key, modified)
        if status and status not in STATUSES:  # the spec's spellings need no more
            folded = status.casefold()
            if folded == LEGACY_DELETED:
                self.tally("status_inactive", "", line, key, status)
            elif folded in STATUSES:
                self.tally("vocabulary_case", "status", line, key, status)

    def issue(
        self,
        severity: Severity,
        code: str,
        message: str,
        line: int | None,
        key: str = "",
        entity: str = "",
    ) -> None:
        """Queue an issue about this file (about the file's entity unless told)."""
        entity = entity or self.spec.entity
        self.pending.append(RowIssue(severity, code, message, entity, key, line, self.file))

    def tally(self, code: str, column: str, line: int, key: str, example: str) -> None:
        """Count a recovered quirk; it is reported once, at the end of the file."""
        seen = self._tallies.get((code, column))
        if seen is None:
            self._tallies[(code, column)] = _Tally(1, line, key, example)
        else:
            seen.count += 1

    def drain(self) -> Iterator[RowIssue]:
        """The issues queued since the last drain."""
        issues, self.pending = self.pending, []
        yield from issues

    def summaries(self) -> Iterator[RowIssue]:
        """One issue per quirk counted in this file."""
        if self._lines.boms:
            self._tallies[("bom_inside", "")] = _Tally(
                self._lines.boms, self._lines.first_bom, "", ""
            )
        for (code, column), seen in self._tallies.items():
            message = SUMMARIES[code].format(column=column, count=seen.count, example=seen.example)
            yield RowIssue(
                "info" if code in TALLIED_AS_INFO else "warning",
                code,
                f"{message} (first on line {seen.line})",
                self.spec.entity,
                seen.key,
                seen.line,
                self.file,
            )


def _broken_header(names: list[str], last_line: int) -> header.Note | None:
    """Why a header cannot be read at all (it ends on ``last_line``), or None."""
    if not any(n.strip() for n in names):
        return ("error", "empty_file", "the file has no header; file not read")
    if last_line > 1:
        message = "the header runs over several lines, as a quote in it is not closed"
        return ("error", "header_spans_lines", f"{message}; file not read")
    return None


def list_items(text: str) -> tuple[str, ...]:
    """A list cell (``"a,b"``) as its non-empty items."""
    return tuple(i for i in (p.strip() for p in text.split(",")) if i)


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


class Row:
    """One data row: its first physical line, its key and its cells by column name."""

    __slots__ = ("cells", "deleted", "index", "key", "line", "table")

    def __init__(self, table: Table, line: int, cells: list[str]) -> None:
        self.table, self.line, self.cells = table, line, cells
        self.index = table.header.index
        self.deleted = False
        self.key = self.text("sourcedId")

    def get(self, column: str) -> str | None:
        """The cell, or None when the file has no such column."""
        at = self.index.get(column)
        if at is None:
            return None
        return self.cells[at] if at < len(self.cells) else ""

    def text(self, column: str) -> str:
        """The cell, "" when empty or missing (the hot path: every row asks a dozen times)."""
        at = self.index.get(column)
        return self.cells[at] if at is not None and at < len(self.cells) else ""

    def items(self, column: str) -> tuple[str, ...]:
        """A list cell (``"a,b"``) as its non-empty items."""
        return list_items(self.text(column))

    def issue(self, severity: Severity, code: str, message: str) -> None:
        """Queue an issue about this row."""
        self.table.issue(severity, code, message, self.line, self.key)

    def date(self, column: str) -> date | None:
        """A date cell; a value that is no date is reported and read as None."""
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.issue(
                "warning", "invalid_date", f"{column} {value!r} is not a date (YYYY-MM-DD); ignored"
            )
            return None

    def flag(self, column: str) -> bool | None:
        """A boolean cell, read case-insensitively; None when empty or no boolean."""
        value = self.text(column)
        folded = value.casefold()
        if folded not in ("true", "false"):
            if value:
                self.issue(
                    "warning", "invalid_boolean", f"{column} {value!r} is not true/false; ignored"
                )
            return None
        if value != folded:
            self.table.tally("boolean_case", column, self.line, self.key, value)
        return folded == "true"

    def choice(self, column: str, words: tuple[str, ...]) -> str | None:
        """A vocabulary cell in the spec's spelling; None when it is no word of ``words``."""
        value = self.text(column)
        if value in words:
            return value
        folded = value.casefold()
        word = next((w for w in words if w.casefold() == folded), None)
        if word is not None:
            self.table.tally("vocabulary_case", column, self.line, self.key, value)
        return word
