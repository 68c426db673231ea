"""Two exporter faults repaired while the document streams in, each with a warning.

- A bare ``&`` (``Arts & Crafts``): three of four real Colleague exports carry one,
  and libxml2 rejects the whole file. An ``&`` that starts no entity or character
  reference can only mean itself, so it is read as ``&amp;`` (source setting
  ``repair_xml = false`` turns this off). Inside CDATA an ``&`` is already literal.
- UTF-8 under an ISO-8859-1 declaration: read as declared it becomes mojibake
  (``Ã˜degÃ¥rd``). The document is handed on as UTF-8: well-formed UTF-8 sequences
  are taken as UTF-8 (with a warning), any other byte as ISO-8859-1, as declared.

Memory stays bounded: the stream is read in pieces, with a small lookahead kept
back so that a reference or a CDATA marker cut between two pieces is seen whole.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from mapping.records import RowIssue

CHUNK = 64 * 1024
# An ``&`` this far from the end of what was read may still start a reference.
LOOKAHEAD = 64
# Lines named one by one; past these a file's bare ampersands are counted in one warning.
MAX_LINES = 100
_REFERENCE = re.compile(
    rb"&(?:[A-Za-z_:\x80-\xff][A-Za-z0-9_:.\x80-\xff-]{0,60}|#[0-9]{1,10}|#x[0-9A-Fa-f]{1,8});"
)
_CDATA = b"<![CDATA["
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']")
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_LATIN_1 = "latin-1-fallback"


def _as_latin_1(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes that are not UTF-8 as ISO-8859-1, as the document declares."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN_1, _as_latin_1)


class Repairing:
    """A binary stream that hands on the document with its faults repaired."""

    def __init__(self, stream: BinaryIO, file: str = "", *, ampersands: bool = True) -> None:
        self._stream = stream
        self._file = file
        self._ampersands = ampersands
        self._started = False
        self._eof = False
        self._out = bytearray()  # repaired, not yet read
        self._pending = b""  # read, held back as lookahead
        self._in_cdata = False
        self._line = 1  # the line _pending starts on
        self._decoder: codecs.IncrementalDecoder | None = None
        self._declared = ""  # the declared encoding, while no UTF-8 was found under it
        self._raw_line = 1  # the line the next undecoded piece starts on
        self._bare_line = 0  # the last line a bare ampersand was repaired on
        self._bare_lines = 0  # how many lines had one
        self._first_unnamed = 0  # the first of them past MAX_LINES
        self._issues: list[RowIssue] = []

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` repaired bytes (all of them when ``size`` is negative)."""
        while (size < 0 or len(self._out) < size) and not self._eof:
            self._fill()
        cut = len(self._out) if size < 0 else size
        data = bytes(self._out[:cut])
        del self._out[:cut]
        return data

    def issues(self) -> list[RowIssue]:
        """The warnings for the repairs made since the last call."""
        issues, self._issues = self._issues, []
        return issues

    def _warn(self, code: str, message: str, line: int | None) -> None:
        self._issues.append(RowIssue("warning", code, message, line=line, file=self._file))

    def _bare(self, line: int) -> None:
        """Note a repaired ampersand: one warning per line, for the first MAX_LINES lines."""
        if line == self._bare_line:
            return
        self._bare_line = line
        self._bare_lines += 1
        if self._bare_lines <= MAX_LINES:
            message = "a bare '&' (starting no entity or character reference) read as '&amp;'"
            self._warn("xml_bare_ampersand", message, line)
        elif self._bare_lines == MAX_LINES + 1:
            self._first_unnamed = line

    def _fill(self) -> None:
        """Read one more piece, repair what no longer needs lookahead, and queue it."""
        chunk = self._stream.read(CHUNK) if self._started else self._start()
        self._eof = not chunk
        data = self._pending + self._transcode(chunk)
        if not self._ampersands:
            self._out += data
            self._pending = b""
            return
        limit = len(data) if self._eof else len(data) - LOOKAHEAD
        used = self._repair(data, max(limit, 0))
        self._pending = data[used:]
        if self._eof and self._bare_lines > MAX_LINES:
            more = self._bare_lines - MAX_LINES
            message = f"{more} more lines with a bare '&', from line {self._first_unnamed} on"
            self._warn("xml_bare_ampersand", message, None)

    def _start(self) -> bytes:
        """Read the first bytes and settle what to repair from them."""
        self._started = True
        head = b""
        while len(head) < 512:
            piece = self._stream.read(512 - len(head))
            if not piece:
                break
            head += piece
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
            self._ampersands = False  # UTF-16 or UTF-32: a byte 0x26 need not be an "&"
            return head
        found = _DECLARATION.match(head)
        if found and _is_latin_1(found.group(1)):
            self._declared = found.group(1).decode("ascii")
            self._decoder = codecs.getincrementaldecoder("utf-8")(errors=_LATIN_1)
            head = head[: found.start(1)] + b"UTF-8" + head[found.end(1) :]
        return head

    def _transcode(self, chunk: bytes) -> bytes:
        """A piece of a Latin-1-declared document as UTF-8; any other document as it is."""
        if self._decoder is None:
            return chunk
        if self._declared:
            sequence = _UTF8_SEQUENCE.search(chunk)
            if sequence is not None:
                line = self._raw_line + chunk.count(b"\n", 0, sequence.start())
                message = f"the document declares {self._declared} but holds UTF-8: read as UTF-8"
                self._warn("encoding_mismatch", message, line)
                self._declared = ""
            self._raw_line += chunk.count(b"\n")
        return self._decoder.decode(chunk, final=not chunk).encode("utf-8")

    def _repair(self, data: bytes, limit: int) -> int:
        """Queue ``data`` with bare ampersands before ``limit`` escaped; return how far it got."""
        # bytes.find rather than one regex: it runs at memory speed over a large file.
        start = pos = counted = 0
        cdata = data.find(_CDATA)
        while pos < limit:
            if self._in_cdata:
                end = data.find(b"]]>", pos)
                pos, self._in_cdata = (limit, True) if end < 0 else (end + 3, False)
                continue
            if 0 <= cdata < pos:
                cdata = data.find(_CDATA, pos)
            ampersand = data.find(b"&", pos, limit)
            if 0 <= cdata < limit and not 0 <= ampersand < cdata:
                pos, self._in_cdata = cdata + len(_CDATA), True
            elif ampersand < 0:
                pos = limit
            elif _REFERENCE.match(data, ampersand):
                pos = ampersand + 1
            else:
                self._line += data.count(b"\n", counted, ampersand)
                counted = ampersand
                self._bare(self._line)
                self._out += data[start:ampersand] + b"&amp;"
                start = pos = ampersand + 1
        self._out += data[start:pos]
        self._line += data.count(b"\n", counted, pos)
        return pos


def _is_latin_1(name: bytes) -> bool:
    """Whether an encoding name is ISO-8859-1 by any of its aliases."""
    try:
        return codecs.lookup(name.decode("ascii")).name == "iso8859-1"
    except (LookupError, UnicodeDecodeError):
        return False
