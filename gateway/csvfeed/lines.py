"""Decode a CSV byte stream line by line, so a bad byte is named by line and position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from mapping.records import FeedError

BOM = b"\xef\xbb\xbf"


def decoded_lines(stream: BinaryIO, file: str) -> Iterator[str]:
    """Yield the stream's lines as text; fail the feed on the first byte that is not UTF-8."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as err:
            bad = raw[err.start : err.start + 1].hex().upper()
            raise FeedError(
                f"line {number}, byte {err.start + 1} (0x{bad}) is not UTF-8: the file looks "
                'like Windows-1252 or Latin-1; save it as "CSV UTF-8" and import it again',
                code="not_utf8",
                file=file,
                line=number,
            ) from None


def sniff_delimiter(header: str) -> str:
    """The delimiter a header line uses: semicolon, comma or tab, whichever it has most of."""
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
