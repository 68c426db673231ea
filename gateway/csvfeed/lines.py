"""Decode a CSV byte stream line by line, so a bad byte or a huge line is named by its line."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from mapping.records import FeedError

MAX_LINE_BYTES = 1024 * 1024
# Bytes that are not UTF-8 decode to these lone surrogates (the "surrogateescape" handler).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def decoded_lines(
    stream: BinaryIO, file: str, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for each line ending in LF, CRLF or CR alone.

    A byte that is not UTF-8, or a line longer than ``max_bytes``, fails the feed; a long
    line is never read further than the cap, so memory stays bounded whatever the file.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline=None)
    number = 0
    try:
        while line := text.readline(max_bytes + 1):
            number += 1
            if not line.isascii():
                _check_utf8(line, number, file)
            if _too_long(line, max_bytes):
                raise too_long(number, max_bytes, file)
            yield number, line
    finally:
        if not stream.closed:
            text.detach()  # the caller owns the stream and closes it


def too_long(line: int, max_bytes: int, file: str) -> FeedError:
    """The feed error for a line or field over the cap."""
    return FeedError(
        f"line {line} is longer than the {max_bytes} bytes a line or field may have "
        "(max_line_bytes): is a closing quote or a line end missing?",
        code="line_too_long",
        file=file,
        line=line,
    )


def _too_long(line: str, max_bytes: int) -> bool:
    """Whether a line, without its line end, holds more than ``max_bytes`` bytes of UTF-8."""
    end = line.endswith("\n")
    if len(line) - end > max_bytes:
        return True
    return (
        4 * len(line) > max_bytes and len(line.encode("utf-8", "surrogateescape")) - end > max_bytes
    )


def _check_utf8(line: str, number: int, file: str) -> None:
    """Fail the feed on the first byte of a line that is not UTF-8."""
    bad = _NOT_UTF8.search(line)
    if bad is None:
        return
    position = len(line[: bad.start()].encode("utf-8", "surrogateescape")) + 1
    raise FeedError(
        f"line {number}, byte {position} (0x{ord(bad[0]) - 0xDC00:02X}) is not UTF-8: the file "
        'looks like Windows-1252 or Latin-1; save it as "CSV UTF-8" and import it again',
        code="not_utf8",
        file=file,
        line=number,
    )


def sniff_delimiter(header: str) -> str:
    """The delimiter a header line uses: semicolon, comma or tab, whichever it has most of."""
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
