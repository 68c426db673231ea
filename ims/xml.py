"""The one hardened XML parser of the codebase, and the translation of its failures.

Feeds come from outside, so the parser never resolves entities, never loads a
DTD, never touches the network and keeps libxml2's size limits (``huge_tree``
off). A document with a DOCTYPE is refused before any record is read: IMS feeds
need none, and a DOCTYPE is how entity attacks (billion laughs, external
entities, remote DTDs) get in.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Iterator
from typing import Any, Protocol

from lxml import etree

from mapping.records import FeedError

# Every parse goes through these options; nothing else in the codebase builds a parser.
HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

HEAD_SIZE = 64 * 1024
_SPACE = re.compile(r"[ \t\r\n]*")  # XML's whitespace, not Unicode's
# What may come before a DOCTYPE (or the root): the XML declaration, PIs and comments.
_SKIPPABLE = (("<?", "?>"), ("<!--", "-->"))
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# How UTF-16 announces itself: a byte order mark, or the NUL beside the first "<".
_UTF16 = (
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
# "<" and an element name (its first character: Latin-1 text has any byte over 0xBF).
_START_TAG = re.compile("<([A-Za-z_:\u00c0-\U000effff][^ \t\r\n/>]*)")
# libxml2's size limits (huge_tree stays off), in words: its own message says "truncated?"
# or "try XML_PARSE_HUGE", neither of which helps an admin.
_OVER_LIMIT = {
    "Buffer size limit exceeded": "a start tag (an attribute value) over the parser's 10 MB limit",
    "Text node too long": "a text value over the parser's 10 MB limit",
    "Name too long": "an element or attribute name over the parser's length limit",
}
# UTF-8 continuation bytes: deleting them turns a byte count into a character count.
_CONTINUATION = bytes(range(0x80, 0xC0))


class Readable(Protocol):
    """What the parser reads from: a binary stream's ``read``."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes; empty at the end."""
        ...


class Source:
    """A binary stream that keeps its head and knows how far the parser got."""

    def __init__(self, stream: Readable, file: str = "") -> None:
        self.file = file
        self.head = _read_up_to(stream, HEAD_SIZE)
        self.eof = False
        self._stream = stream
        self._pending = self.head
        self._lines = 1
        self._last_line = 0  # characters (roughly) on the last line read so far

    def read(self, size: int = -1) -> bytes:
        """Hand the parser the next bytes: the head first, then the rest of the stream."""
        if self._pending:
            cut = len(self._pending) if size < 0 else size
            data, self._pending = self._pending[:cut], self._pending[cut:]
        else:
            data = self._stream.read(size)
            self.eof = self.eof or not data
        self._count(data)
        return data

    def _count(self, data: bytes) -> None:
        newlines = data.count(b"\n")
        tail = data[data.rfind(b"\n") + 1 :]
        size = len(tail.translate(None, _CONTINUATION))
        self._lines += newlines
        self._last_line = size if newlines else self._last_line + size

    def check_prolog(self) -> None:
        """Refuse an empty document or one whose prolog holds a DOCTYPE."""
        body = self.head
        for bom in _BOMS:
            body = body.removeprefix(bom)
        if not body.strip():
            raise FeedError("the document is empty", code="empty_document", file=self.file)
        if _has_doctype(_latin1(self.head)):
            raise forbidden_dtd("the document declares a DOCTYPE", self.file)

    def syntax_error(self, err: etree.XMLSyntaxError) -> FeedError:
        """Translate a libxml2 syntax error into a FeedError naming the line."""
        # Decided from the bytes, not from whether lxml yielded the root before failing:
        # lxml 6.2 raises a document's parse error before the events it read.
        text = _markup(self.head)
        if _has_doctype(text):  # a UTF-16 one, which the prolog check cannot read
            return forbidden_dtd("the document declares a DOCTYPE", self.file)
        line, column = err.position if err.position[0] > 0 else (None, 0)
        message = str(getattr(err, "msg", "") or err)
        log: Any = err.error_log
        first = next((entry for entry in log if entry.level >= 2), None)  # ERROR or FATAL
        if line is None and first is not None:
            # lxml's own "no element found" at close hides libxml2's first complaint.
            line, column, message = first.line, first.column, first.message
        over = next((what for cause, what in _OVER_LIMIT.items() if cause in message), None)
        if over is not None:
            message = "values that large are refused"
            # A start tag is buffered whole: libxml2 then names where it stopped, not the tag.
            line = None if "start tag" in over else line
            code, what = "xml_value_too_large", f"the document holds {over}"
        elif not _opens_as_xml(text):
            code, what = "not_xml", "the document is not XML"
        elif self._at_end(line, column):
            code, what = "truncated_xml", "the document ends early (truncated?)"
        else:
            code, what = "malformed_xml", "the document is not well-formed XML"
        return FeedError(f"{what}: {message}", code=code, file=self.file, line=line)

    def root_tag(self) -> tuple[str, int] | None:
        """The local name and line of the root's start tag as the head shows it, if it does."""
        return _root_tag(_markup(self.head))

    def _at_end(self, line: int | None, column: int) -> bool:
        # libxml2 reports a cut-off document at (or just past) its last character.
        self.eof = self.eof or (not self._pending and not self._stream.read(1))
        return self.eof and line == self._lines and column >= self._last_line


class Parse:
    """Streams ``(event, element)`` pairs for the given tags (``{*}name`` matches any namespace)."""

    def __init__(self, source: Source, tags: tuple[str, ...]) -> None:
        # iterparse's error log keeps an earlier parse's errors: a failure must name its own.
        etree.clear_error_log()
        self._events: Any = etree.iterparse(source, events=("start", "end"), tag=tags, **HARDENED)

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        return iter(self._events)

    @property
    def root(self) -> etree._Element | None:
        """The document's root element, once parsing has reached it."""
        root: etree._Element | None = self._events.root
        return root


def check_doctype(root: etree._Element, file: str) -> None:
    """Refuse a document with a DTD (the prolog scan misses them in, e.g., UTF-16 files)."""
    info: Any = root.getroottree().docinfo
    dtd = info.internalDTD
    entities = [e.name for e in dtd.iterentities()] if dtd is not None else []
    if entities:
        raise forbidden_dtd(f"the DTD declares entities ({', '.join(entities)})", file)
    if info.system_url or info.public_id:
        raise forbidden_dtd(f"the document refers to a DTD ({info.system_url})", file)
    if dtd is not None:
        raise forbidden_dtd("the document declares a DOCTYPE", file)


def forbidden_dtd(why: str, file: str) -> FeedError:
    """The FeedError for a document that brings its own DTD."""
    return FeedError(f"{why}; DTDs and entities are not allowed", code="forbidden_dtd", file=file)


def first_tag(head: bytes) -> str | None:
    """The local name of the first element in ``head`` (None when it shows no element)."""
    parser = etree.XMLPullParser(events=("start",), **HARDENED)
    with contextlib.suppress(etree.XMLSyntaxError):
        parser.feed(head)  # a fault past the root's start tag (a bare "&") is the reader's
    events: Iterator[tuple[str, Any]] = iter(parser.read_events())
    for _event, element in events:
        return etree.QName(element).localname
    return None


def _has_doctype(text: str) -> bool:
    """Whether the prolog at the start of ``text`` holds a DOCTYPE."""
    end = _prolog_end(text)
    return end is not None and text.startswith("<!DOCTYPE", end)


def _opens_as_xml(text: str) -> bool:
    """Whether a start tag follows the prolog in ``text`` (or the prolog fills it)."""
    return _prolog_end(text) is None or _root_tag(text) is not None


def _root_tag(text: str) -> tuple[str, int] | None:
    """The local name and line of the start tag that follows the prolog in ``text``."""
    end = _prolog_end(text)
    match = _START_TAG.match(text, end) if end is not None else None
    if match is None:
        return None
    return match[1].rpartition(":")[2], text.count("\n", 0, match.start()) + 1


def _markup(head: bytes) -> str:
    """``head`` as text faithful enough to read its markup: UTF-16 decoded, else as Latin-1."""
    for mark, codec in _UTF16:
        if head.startswith(mark):
            return head.decode(codec, errors="replace")
    return _latin1(head)


def _latin1(head: bytes) -> str:
    """``head`` (an ASCII-compatible encoding) as text, without a UTF-8 byte order mark."""
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


def _prolog_end(text: str) -> int | None:
    """Where the content after the XML declaration, PIs and comments starts (None: past it)."""
    position = 0
    while True:
        match = _SPACE.match(text, position)
        position = match.end() if match else position
        for start, end in _SKIPPABLE:
            if text.startswith(start, position):
                close = text.find(end, position + len(start))
                if close < 0:
                    return None  # the prolog runs past the head
                position = close + len(end)
                break
        else:
            return position


def _read_up_to(stream: Readable, size: int) -> bytes:
    """Read ``size`` bytes, or fewer at the end (a socket may hand out short reads)."""
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
