"""Join a CSV file's lines into records, and catch quotes that cannot plausibly close.

A quoted field may hold a line break (an address over two lines). But a stray quote makes
the csv module read every line after it into one field, until the next quote in the file.
So a field that crosses a line end is believed only when it holds no delimiter and its
record has the header's number of columns. Otherwise the line where the quote opened is
reported and skipped, and the lines after it are read again as rows of their own.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator

from gateway.csvfeed.lines import too_long
from mapping.records import RowIssue

Line = tuple[int, str]


def scan(text: str, delimiter: str, quoted: bool) -> tuple[bool, bool]:
    """Whether a line ends inside a quoted field, and whether a field crossing either of
    its ends holds the delimiter; ``quoted`` says whether it begins inside one.

    The rules are the csv module's: a quote opens a field only at the field's start, two
    quotes inside a quoted field are one quote, and text after the closing quote belongs
    to the field up to the next delimiter.
    """
    crossing, first, start, i = False, quoted, 0, 0
    while True:
        if quoted:
            close = text.find('"', i)
            while close >= 0 and text.startswith('""', close):
                close = text.find('"', close + 2)
            if close < 0:
                return True, crossing or delimiter in text[start:]
            crossing = crossing or (first and delimiter in text[:close])
            quoted = first = False
            i = close + 1
        elif text.startswith('"', i):
            quoted, start, i = True, i + 1, i + 1
            continue
        after = text.find(delimiter, i)
        if after < 0:
            return False, crossing
        i = after + 1


class Records:
    """The records of a CSV file, one string each for csv.reader; ``line`` is where the
    record last handed out began, and ``issues`` collects the stray quotes found."""

    def __init__(
        self,
        lines: Iterator[Line],
        delimiter: str,
        width: int,
        max_bytes: int,
        file: str,
        key_column: int,
    ) -> None:
        self.line = 0
        self.issues: list[RowIssue] = []
        self._lines = lines
        self._again: deque[Line] = deque()  # lines to read again after a stray quote
        self._delimiter, self._width, self._max_bytes = delimiter, width, max_bytes
        self._file, self._key_column = file, key_column

    def __iter__(self) -> Iterator[str]:
        while (item := self._next()) is not None:
            number, text = item
            record = self._record(number, text) if '"' in text else text
            if record is not None:
                self.line = number
                yield record

    def _next(self) -> Line | None:
        """The next line to read: one put back first, then the file's."""
        return self._again.popleft() if self._again else next(self._lines, None)

    def _record(self, number: int, text: str) -> str | None:
        """The record that begins with this line, or None when its quote cannot close."""
        still_open, crossing = scan(text, self._delimiter, False)
        if not still_open:
            return text
        why = f"its field holds {self._delimiter!r}" if crossing else ""
        taken: list[Line] = []
        size = len(text.encode("utf-8", "surrogateescape"))
        while still_open and not why:
            item = self._next()
            if item is None:
                why = "it never closes"
                break
            taken.append(item)
            size += len(item[1].encode("utf-8", "surrogateescape"))
            if size > self._max_bytes:
                raise too_long(number, self._max_bytes, self._file)
            still_open, crossing = scan(item[1], self._delimiter, True)
            if crossing:
                why = f"its field would hold {self._delimiter!r} and a line break"
        if not why:
            record = text + "".join(t for _, t in taken)
            width = len(next(csv.reader([record], delimiter=self._delimiter)))
            if width == self._width:
                return record
            why = f"closing it on line {taken[-1][0]} gives {width} columns, not {self._width}"
        self._stray(number, text, why)
        self._again.extendleft(reversed(taken))
        return None

    def _stray(self, number: int, text: str, why: str) -> None:
        """Report the line a stray quote opened on; that line is skipped."""
        cells = next(csv.reader([text], delimiter=self._delimiter), [])
        key = cells[self._key_column].strip() if self._key_column < len(cells) else ""
        message = (
            f"a quote opened on line {number} does not close plausibly ({why}): a stray "
            f"quote? Line {number} is skipped; the lines after it are read as rows"
        )
        self.issues.append(
            RowIssue(
                "error",
                "stray_quote",
                message,
                "accounts",
                "" if "\n" in key or self._delimiter in key else key,
                number,
                self._file,
            )
        )
