"""Repairs made while a document streams: bare ampersands, UTF-8 under a Latin-1 declaration.

Issue 11 item 6 (three of four real Datatel Colleague IMS exports carry a bare ``&``, as
in ``Arts & Crafts``) and issue 10 item 8 (UTF-8 in a file declaring ISO-8859-1 was
stored as mojibake without a word; a 50 MB attribute was reported as "truncated?").
"""

from __future__ import annotations

import io
import tracemalloc

import pytest

import ims
from ims.repair import CHUNK, MAX_LINES, Repairing
from mapping.records import FeedError, Group, Org, Person, RowIssue
from tests.ims.xmlfeed import collect, feed, group, line_of, person


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``size`` bytes per read: every cut a socket may make."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self.size, len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


def issues(items: list[object]) -> list[tuple[str, str, int | None]]:
    """(severity, code, line) of each RowIssue."""
    return [(i.severity, i.code, i.line) for i in items if isinstance(i, RowIssue)]


# A Colleague-style export: course titles and department names with a bare "&", once in an
# attribute, twice on one line; escaped ones, character references and CDATA stay as they are.
COLLEAGUE = feed(
    group("ART-101", "Arts & Crafts", typevalue="course"),
    group("HIS-200", "History &amp; Civics &#38; Law &#x26; More", typevalue="course"),
    group("DEP-1", "Math & Science & Tech", typevalue="department"),
    person("p1", "Ola & Kari", "Nordmann", extra='<extension note="R&D"/>'),
    group("ENG-1", "<![CDATA[English & Drama]]>"),
)


def test_a_bare_ampersand_is_read_as_itself_with_a_warning_per_line() -> None:
    read = collect(COLLEAGUE, file="colleague.xml")
    names = {g.key: g.name for g in read.of(Group) + read.of(Org)}
    assert names == {
        "ART-101": "Arts & Crafts",
        "HIS-200": "History & Civics & Law & More",
        "DEP-1": "Math & Science & Tech",
        "ENG-1": "English & Drama",
    }
    assert read.person("p1").given_name == "Ola & Kari"
    lines = [line_of(COLLEAGUE, n) for n in ("Arts &", "Math &", "R&D")]
    assert issues(read.items) == [("warning", "xml_bare_ampersand", line) for line in lines]
    assert {i.file for i in read.issues} == {"colleague.xml"}


@pytest.mark.usefixtures("timing")
def test_repair_off_fails_the_file_as_before() -> None:
    with pytest.raises(FeedError) as info:
        collect(COLLEAGUE, repair=False)
    assert (info.value.code, info.value.line) == ("malformed_xml", line_of(COLLEAGUE, "Arts &"))


@pytest.mark.usefixtures("timing")
@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("<person><sourcedid><id>p & q</id></sourced></person>", "malformed_xml"),
        ("<group><sourcedid><id>g</id></sourcedid><x>A &nbsp; B</x></group>", "malformed_xml"),
        ("<group><sourcedid><id>g</id></sourcedid><x>A &#0; B</x></group>", "malformed_xml"),
    ],
    ids=["mismatched-tag", "undeclared-entity", "bad-character-reference"],
)
def test_any_other_malformation_still_fails_the_file(fault: str, code: str) -> None:
    with pytest.raises(FeedError) as info:
        collect(feed(group("G1", "A & B"), fault))
    assert (info.value.code, info.value.line) == (code, 5)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64, 65, 4096])
def test_cuts_anywhere_in_the_stream_change_nothing(size: int) -> None:
    whole = collect(COLLEAGUE).items
    cut = list(ims.read(Trickle(COLLEAGUE, size), ims.ReadOptions()))  # type: ignore[arg-type]
    assert cut == whole


def test_repair_streams_in_bounded_memory() -> None:
    plain = b"<x>Arts and Crafts &amp; <![CDATA[a & b]]> &#38; " + b"y" * 1000 + b"</x>\n"
    block = plain * 9 + b"<x>Arts & Crafts</x>\n"
    blocks = 1000  # 10 MB, a bare ampersand on every tenth line
    repairing = Repairing(io.BytesIO(block * blocks))
    tracemalloc.start()
    try:
        total = 0
        while chunk := repairing.read(CHUNK):
            total += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == blocks * (len(block) + 4)  # "amp;" once per block
    assert peak < 1024 * 1024  # a few pieces, whatever the size
    found = repairing.issues()
    assert [i.line for i in found[:-1]] == list(range(10, 10 * MAX_LINES + 1, 10))
    assert (found[-1].line, found[-1].message) == (
        None,
        f"{blocks - MAX_LINES} more lines with a bare '&', from line {10 * MAX_LINES + 10} on",
    )


def test_utf_16_is_left_alone() -> None:
    data = feed(group("G1", "A &amp; B"), encoding="UTF-16")
    read = collect(data)
    assert (read.group("G1").name, read.issues) == ("A & B", [])


NAMES = {"p1": ("Åse", "Ødegård"), "p2": ("Bjørn", "Æsøy")}


def test_utf_8_under_a_latin_1_declaration_is_read_as_utf_8_with_a_warning() -> None:
    parts = [person("p0", "Ola", "Dahl")] + [person(k, *n) for k, n in NAMES.items()]
    data = feed(*parts).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    read = collect(data, file="register.xml")
    assert {p.key: (p.given_name, p.family_name) for p in read.of(Person)} == {
        "p0": ("Ola", "Dahl"),
        **NAMES,
    }
    [issue] = read.issues
    assert (issue.severity, issue.code, issue.line) == ("warning", "encoding_mismatch", 5)
    assert "declares ISO-8859-1" in issue.message and "read as UTF-8" in issue.message
    # Cut anywhere, even inside a multi-byte sequence: the same.
    for size in (1, 3, 500):
        cut = list(ims.read(Trickle(data, size), ims.ReadOptions(file="register.xml")))  # type: ignore[arg-type]
        assert cut == read.items


def test_real_latin_1_is_read_as_declared_without_a_word() -> None:
    data = feed(*(person(k, *n) for k, n in NAMES.items()), encoding="ISO-8859-1")
    read = collect(data)
    assert {p.key: (p.given_name, p.family_name) for p in read.of(Person)} == NAMES
    assert read.issues == []


@pytest.mark.parametrize(
    ("extra", "given", "what", "line"),
    [
        ('<extension a="{big}"/>', "Ada", "a start tag (an attribute value)", None),
        ("", "{big}", "a text value", 4),
    ],
    ids=["attribute", "text"],
)
def test_a_value_over_the_parser_limit_says_so(
    extra: str, given: str, what: str, line: int | None
) -> None:
    big = "x" * 11_000_000
    data = feed(person("p1", given.format(big=big), extra=extra.format(big=big)), person("p2"))
    with pytest.raises(FeedError) as info:
        collect(data)
    assert (info.value.code, info.value.line) == ("xml_value_too_large", line)
    assert what in info.value.message and "10 MB" in info.value.message
    assert "truncated" not in info.value.message and "XML_PARSE_HUGE" not in info.value.message
