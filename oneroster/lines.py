"""The CSV records of one file, read line by line so a damaged line costs one row, not the file.

A text stream is read a physical line at a time, each line capped at ``limit``
characters before it is held whole: a 2 GB line fails the file at once, with its
line number. Bytes that are not UTF-8 fail the file on the line that holds them
(the stream decodes with ``surrogateescape``, so the bad byte surfaces on its own
line, not on the line that happened to read the chunk). A byte order mark inside
the file (files pasted together) is dropped, with a warning.

A quoted field may span lines, and a stray ``"`` makes the csv module swallow
every line up to the next quote as one field. A record that spans lines is kept
only when it is plausible: it has the header's number of cells and none of its
cells holds lines that look like rows of their own. Otherwise its first line is
reported (the line where the quote opened) and skipped, and the lines after it
are read again as rows of their own.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO

from mapping.records import FeedError

MAX_LINE = 1024 * 1024
BOM = "\ufeff"
# Damage handlers: (line where the quote opened, its first line's cells, lines spanned).
Damaged = Callable[[int, list[str], int], None]


class Lines:
    """The records of a CSV text stream as (first line, cells), checked as described above."""

    def __init__(self, stream: IO[str], file: str, limit: int = MAX_LINE) -> None:
        self.stream, self.file, self.limit = stream, file, limit
        self.delimiter = ","
        self.width = 0  # the header's width, once known; 0: do not judge spanning records
        self.line = 0  # the number of the last line handed to the csv module
        self.leading_bom = False  # the file starts with a byte order mark
        self.boms = 0  # byte order marks dropped inside the file
        self.first_bom = 0  # the line of the first of them
        self._taken: list[str] = []  # the lines of the record being parsed
        self._again: list[str] = []  # lines to read again, the next one last
        self._cut = False

    def readline(self) -> str:
        """The next physical line ("" at the end), checked for length and encoding."""
        text = self.stream.readline(self.limit + 1)
        if (
            len(text) > self.limit // 4
            and len(text.encode("utf-8", "surrogateescape")) > self.limit
        ):
            self.fail(
                "line_too_long",
                f"the line is longer than {self.limit} bytes (max_line_bytes); file not read",
                self.line + 1,
            )
        if not text.isascii():
            text = self._clean(text, self.line + 1)
        return text

    def _clean(self, text: str, line: int) -> str:
        """``text`` with BOMs dropped; a byte that is not UTF-8 fails the file at ``line``."""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            byte = ord(text[err.start]) - 0xDC00
            self.fail("encoding", f"the file is not UTF-8 text (byte 0x{byte:02x})", line)
        if BOM in text:
            if line == 1 and text.startswith(BOM):
                self.leading_bom = True
                text = text[1:]
            if BOM in text:
                self.boms += 1
                self.first_bom = self.first_bom or line
                text = text.replace(BOM, "")
        return text

    def push(self, text: str) -> None:
        """Hand a line read with ``readline`` to the csv module after all."""
        self._again.append(text)

    def fail(self, code: str, message: str, line: int) -> None:
        """Fail the whole feed at ``line`` of this file."""
        raise FeedError(message, code=code, file=self.file, line=line)

    def _feed(self) -> Iterator[str]:
        """Lines for the csv module, counting them; ends early when a record grows too long."""
        taken, again, size = self._taken, self._again, 0
        while True:
            text = again.pop() if again else self.readline()
            if not text:
                return
            self.line += 1
            if taken:  # the record runs on over another line: a quote is open
                size += len(text)
                if size > self.limit:
                    taken.append(text)
                    self._cut = True
                    return
            else:
                size = len(text)
            taken.append(text)
            yield text

    def records(self, damaged: Damaged) -> Iterator[tuple[int, list[str]]]:
        """Each record and its first line; a damaged one goes to ``damaged`` instead."""
        taken = self._taken
        while True:
            reader = csv.reader(self._feed(), delimiter=self.delimiter)
            start = self.line + 1
            try:
                for cells in reader:
                    if len(taken) == 1 or self._plausible(cells):
                        yield start, cells
                        taken.clear()
                        start = self.line + 1
                        continue
                    break  # a damaged record: read again from its second line
            except csv.Error as err:
                if len(taken) < 2:
                    self.fail("csv_malformed", f"the CSV cannot be parsed: {err}", start)
            if not (len(taken) > 1 or self._cut):
                return  # the end of the file
            self._cut = False
            first = next(csv.reader([taken[0]], delimiter=self.delimiter), [])
            damaged(start, first, len(taken))
            self._again.extend(reversed(taken[1:]))
            self.line = start
            taken.clear()

    def _plausible(self, cells: list[str]) -> bool:
        """Whether a record spanning lines is one row: the header's width, no row inside."""
        width = self.width
        if not width:
            return True  # the header: the reader judges it
        if self._cut:
            return False
        if len(cells) < width or any(cells[width:]):
            return False
        enough = max(1, (width - 1) // 2)  # delimiters that make a line look like a row
        return not any(
            part.count(self.delimiter) >= enough
            for cell in cells
            if "\n" in cell or "\r" in cell
            for part in cell.splitlines()[1:]
        )
