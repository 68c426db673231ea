"""The hardened parser: hostile and broken input fail as FeedErrors; format sniffing."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import ims
from mapping.records import FeedError, Record, RowIssue, Scope
from tests.ims.xmlfeed import FIXTURES, collect, feed, person

ROOT = Path(__file__).resolve().parents[2]

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<enterprise><person><sourcedid><id>&lol4;</id></sourcedid></person></enterprise>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE enterprise [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<enterprise><person><sourcedid><id>&xxe;</id></sourcedid></person></enterprise>
"""
SYSTEM_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE enterprise SYSTEM "http://127.0.0.1:9/ims_epv1p1.dtd">
<enterprise><person><sourcedid><id>p1</id></sourcedid></person></enterprise>
"""
PUBLIC_DTD = b"""<?xml version="1.0"?>
<!-- an export --><?generator x?>
<!DOCTYPE enterprise PUBLIC "-//IMS//DTD Enterprise//EN" "ims_epv1p1.dtd">
<enterprise/>
"""

UTF16_DECLARED = '<?xml version="1.0" encoding="UTF-16"?>\n<enterprise>\n<x></y>\n</enterprise>'


def start(data: bytes, file: str = "") -> Iterator[Record | RowIssue]:
    """A reader over ``data`` that has not yielded anything yet."""
    return ims.read(io.BytesIO(data), ims.ReadOptions(file=file))


def failure(data: bytes) -> tuple[FeedError, list[Record | RowIssue]]:
    """The FeedError a document fails with, and what was yielded before it."""
    yielded: list[Record | RowIssue] = []
    with pytest.raises(FeedError) as info:
        yielded.extend(start(data, file="bad.xml"))
    return info.value, yielded


@pytest.mark.parametrize(
    "data",
    [
        LAUGHS,
        XXE,
        SYSTEM_DTD,
        PUBLIC_DTD,
        b'\xef\xbb\xbf<!DOCTYPE enterprise [<!ENTITY a "b">]><enterprise/>',
        b"<!DOCTYPE enterprise><enterprise/>",
    ],
    ids=["billion-laughs", "external-entity", "system-dtd", "public-dtd", "bom", "bare"],
)
def test_doctype_is_refused_before_anything_is_read(data: bytes) -> None:
    reader = start(data, file="bad.xml")
    with pytest.raises(FeedError) as info:
        next(reader)  # the very first item already fails: nothing was yielded
    assert (info.value.code, info.value.file) == ("forbidden_dtd", "bad.xml")


@pytest.mark.parametrize(
    "data",
    [
        # UTF-16: the byte scan of the prolog cannot see it, lxml's docinfo does
        XXE.decode().replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?').encode("utf-16"),
        # a prolog longer than the head the scan looks at
        b"<!--" + b"x" * 70_000 + b"-->\n" + LAUGHS.split(b"\n", 1)[1],
    ],
    ids=["utf-16", "long-prolog"],
)
def test_doctype_is_refused_by_the_parser_too(data: bytes) -> None:
    with pytest.raises(FeedError) as info:
        next(start(data))
    assert info.value.code == "forbidden_dtd"
    assert "entities" in info.value.message


@pytest.mark.usefixtures("timing")
def test_a_malformed_utf16_document_is_refused_for_its_doctype() -> None:
    text = XXE.decode().replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?')
    error, yielded = failure(text.replace("</enterprise>", "</enterprise2>").encode("utf-16"))
    assert (error.code, yielded) == ("forbidden_dtd", [])


@pytest.mark.usefixtures("timing")
@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"", "empty_document", None),
        (b"  \n\t\n", "empty_document", None),
        (b"\xef\xbb\xbf\n", "empty_document", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_xml", 1),
        (b"key;given;family\np1;Ada;Lovelace\n", "not_xml", 1),
        (b"\n\n  <enterprise", "truncated_xml", 3),  # cut inside the root's start tag
        (b"<?xml version='1.0'?>\n<!-- export -->\nkey;given\n", "not_xml", 3),
        (b"<<<>>>", "not_xml", 1),
        ("key;given;family\np1;Ada;Lovelace\n".encode("utf-16"), "not_xml", 1),
    ],
)
def test_not_a_document(data: bytes, code: str, line: int | None) -> None:
    error, yielded = failure(data)
    assert (error.code, error.line, yielded) == (code, line, [])


def test_other_xml_is_not_ims() -> None:
    error, yielded = failure(b'<?xml version="1.0"?>\n<feed xmlns="urn:x"><entry/></feed>')
    assert (error.code, error.line, yielded) == ("not_ims", 2, [])
    assert "<feed>" in error.message


@pytest.mark.usefixtures("timing")
def test_other_broken_xml_is_not_ims() -> None:
    error, yielded = failure(b'<?xml version="1.0"?>\n<x:feed xmlns:x="urn:x"><entry></x:feed>')
    assert (error.code, error.line, yielded) == ("not_ims", 2, [])
    assert "<feed>" in error.message


def test_other_xml_with_a_person_inside_is_not_ims() -> None:
    error, yielded = failure(b"<roster><person><sourcedid><id>p</id></sourcedid></person></roster>")
    assert (error.code, yielded) == ("not_ims", [])


@pytest.mark.usefixtures("timing")
@pytest.mark.parametrize("cut", [1500, 2000, 3000, 3500])
def test_truncated_file(cut: int) -> None:
    data = (FIXTURES / "example.xml").read_bytes()[:cut]
    error, yielded = failure(data)
    assert error.code == "truncated_xml"
    assert error.line == data.count(b"\n") + 1  # the last line, where the data stops
    assert str(error).startswith(f"bad.xml:{error.line}: ")
    assert not any(isinstance(item, Scope) for item in yielded)


def test_truncated_full_snapshot_yields_no_scope() -> None:
    data = (FIXTURES / "PIFU-IMS_SAS_eksempel.xml").read_bytes()
    error, yielded = failure(data[: len(data) - 500])
    assert error.code == "truncated_xml"
    assert yielded  # records streamed before the cut, but the run fails as a whole
    assert not any(isinstance(item, Scope) for item in yielded)


@pytest.mark.usefixtures("timing")
@pytest.mark.parametrize(
    ("data", "line"),
    [
        (feed(person("p1"), "<person><sourcedid><id>p2</id></sourced></person>", person("p3")), 5),
        (feed(person("p1")) + b"\n<enterprise/>", 6),
        (feed(person("Ærlig")).replace("Ærlig".encode(), "Ærlig".encode("latin-1")), 4),
        (b"\xef\xbb\xbf<!-- export -->\n<enterprise>\n<x></y>\n</enterprise>", 3),
        ("<enterprise>\n<x></y>\n</enterprise>".encode("utf-16"), 2),
        (UTF16_DECLARED.encode("utf-16-be"), 3),  # no BOM: the declaration tells
    ],
    ids=["mismatched-tag", "two-roots", "bad-utf-8", "comment-first", "utf-16", "utf-16-no-bom"],
)
def test_malformed(data: bytes, line: int) -> None:
    error, _ = failure(data)
    assert (error.code, error.line) == ("malformed_xml", line)


def test_sniff() -> None:
    for name in ("example.xml", "example-oneline.xml", "PIFU-IMS_SAS_eksempel.xml"):
        head = (FIXTURES / name).read_bytes()[:4096]
        assert ims.sniff(head), name
    assert ims.sniff((FIXTURES / "example.xml").read_bytes()[:120])  # cut mid-document
    assert ims.sniff(feed(encoding="ISO-8859-1"))
    assert ims.sniff(LAUGHS)  # an IMS file, which read() then refuses
    for other in (b"", b"a;b;c\n1;2;3\n", b"<feed/>", b"\x89PNG\r\n", b"<?xml version='1.0'?>"):
        assert not ims.sniff(other), other


def test_reads_from_a_stream_in_small_pieces() -> None:
    class Trickle(io.RawIOBase):
        """A stream that hands out at most 7 bytes per read, like a slow socket."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            size = min(len(buffer), 7, len(self.data))
            buffer[:size], self.data = self.data[:size], self.data[size:]
            return size

    data = (FIXTURES / "example.xml").read_bytes()
    items = list(ims.read(Trickle(data), ims.ReadOptions()))  # type: ignore[arg-type]
    assert len(items) == len(collect(data).items) == 12


PARSING = re.compile(
    r"iterparse\(|XMLParser\(|XMLPullParser\(|etree\.(fromstring|parse|XML)\(|"
    r"xml\.etree|xml\.dom|xml\.sax|minidom|expat"
)


def test_one_xml_parser_in_the_codebase() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("ims", "gateway", "oneroster", "mapping", "scheduler", "bench")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "ims" / "xml.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PARSING.search(line)
    ]
    assert found == []
