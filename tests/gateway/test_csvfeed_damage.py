"""The gateway's CSV reader on damaged files: stray quotes, huge lines, CR-only line ends."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from gateway.csvfeed import ReadOptions, read
from gateway.csvfeed.quotes import scan
from mapping.records import FeedError, Person, RowIssue

HEADER = "ID;Fornavn;Etternavn\n"


def records(data: str | bytes, **options: object) -> list[object]:
    """Everything the reader yields for a file's content."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    opts = ReadOptions(role="elev", file="f.csv", **options)  # type: ignore[arg-type]
    return list(read(io.BytesIO(raw), opts))


def people(items: list[object]) -> list[tuple[str, str, str, int | None]]:
    """(key, given name, family name, line) of each person."""
    return [(p.key, p.given_name, p.family_name, p.line) for p in items if isinstance(p, Person)]


def issues(items: list[object]) -> list[tuple[str, str, str, int | None]]:
    """(severity, code, key, line) of each issue."""
    return [(i.severity, i.code, i.key, i.line) for i in items if isinstance(i, RowIssue)]


@pytest.mark.parametrize(
    ("text", "ends_quoted", "crossing"),
    [
        ("1;Ola;Dahl\n", False, False),
        ('1;"Dahl; Ola";x\n', False, False),
        ('1;"Ola\n', True, False),
        ('1;"Ola;Dahl\n', True, True),
        ('1;Ola "O";Dahl\n', False, False),  # a quote inside a field is a letter
        ('1;"Ola ""O""\n', True, False),  # doubled quotes stay inside the field
        ('1;"Ola"x;"Dahl\n', True, False),
    ],
)
def test_scan_follows_the_csv_quote_rules(text: str, ends_quoted: bool, crossing: bool) -> None:
    assert scan(text, ";", False) == (ends_quoted, crossing)


def test_scan_of_a_line_that_begins_inside_quotes() -> None:
    assert scan('0150 Oslo";8A\n', ";", True) == (False, False)
    assert scan("2;Kari;Dahl\n", ";", True) == (True, True)
    assert scan('2;Kari";Dahl\n', ";", True) == (False, True)


@pytest.mark.parametrize(
    "damaged",
    [
        '2;"Kari;Dahl\n',  # the quote opens a field that holds the delimiter
        '2;Kari;"Dahl\n',  # the next line would make the field hold it
        '2;Kari;Dahl"\n',  # a quote inside a field is a letter: no harm
    ],
)
def test_a_stray_quote_skips_its_line_and_reads_the_rest(damaged: str) -> None:
    items = records(HEADER + "1;Ola;Dahl\n" + damaged + "3;Per;Dahl\n4;Liv;Dahl\n")
    keys = [key for key, *_ in people(items)]
    if damaged.endswith('"\n'):
        assert keys == ["1", "2", "3", "4"]
        assert issues(items) == []
        return
    assert keys == ["1", "3", "4"]
    assert issues(items) == [("error", "stray_quote", "2", 3)]
    assert [line for *_, line in people(items)] == [2, 4, 5]


def test_a_quote_that_never_closes_in_the_last_line() -> None:
    items = records(HEADER + '1;Ola;Dahl\n2;Kari;"Dahl')
    assert people(items) == [("1", "Ola", "Dahl", 2)]
    (issue,) = [i for i in items if isinstance(i, RowIssue)]
    assert (issue.code, issue.key, issue.line) == ("stray_quote", "2", 3)
    assert "it never closes" in issue.message


def test_a_closing_quote_that_breaks_the_column_count() -> None:
    """The field "Dahl\\n3" holds no delimiter, but the row would have five columns."""
    items = records(HEADER + '1;Ola;"Dahl\n3";Per;Dahl\n4;Liv;Dahl\n')
    assert people(items)[-1] == ("4", "Liv", "Dahl", 4)
    assert issues(items)[0] == ("error", "stray_quote", "1", 2)
    assert "gives 5 columns, not 3" in next(i for i in items if isinstance(i, RowIssue)).message
    assert "1" not in [key for key, *_ in people(items)]


def test_a_plausible_multi_line_field_is_one_row_on_the_line_it_began() -> None:
    text = 'ID;Fornavn;Etternavn;Adresse\n1;Ola;Dahl;"Storgata 1\n0150 Oslo"\n2;Kari;Dahl;x\n'
    items = records(text)
    assert people(items) == [("1", "Ola", "Dahl", 2), ("2", "Kari", "Dahl", 4)]
    assert [code for _, code, *_ in issues(items)] == ["unknown_columns"]


def test_a_quoted_name_with_the_delimiter_on_one_line_is_fine() -> None:
    items = records(HEADER + '1;"Ola; jr.";Dahl\n')
    assert people(items) == [("1", "Ola; jr.", "Dahl", 2)]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_every_line_ending(ending: str) -> None:
    text = ending.join(["ID;Fornavn;Etternavn", "1;Ola;Dahl", "2;Kari;Dahl", ""])
    assert people(records(text)) == [("1", "Ola", "Dahl", 2), ("2", "Kari", "Dahl", 3)]


def test_a_line_over_the_cap_fails_the_feed_naming_it() -> None:
    with pytest.raises(FeedError) as caught:
        records(HEADER + "1;Ola;Dahl\n2;" + "x" * 2000 + ";Dahl\n", max_line_bytes=1000)
    assert (caught.value.code, caught.value.line, caught.value.file) == (
        "line_too_long",
        3,
        "f.csv",
    )


def test_a_line_at_the_cap_is_read() -> None:
    line = "1;Ola;" + "x" * 994  # 1000 bytes without its line end
    assert [key for key, *_ in people(records(HEADER + line + "\n", max_line_bytes=1000))] == ["1"]
    assert [key for key, *_ in people(records(HEADER + line, max_line_bytes=1000))] == ["1"]


def test_the_cap_counts_bytes_not_characters() -> None:
    with pytest.raises(FeedError) as caught:
        records(HEADER + "1;Ola;" + "ø" * 600 + "\n", max_line_bytes=1000)
    assert caught.value.code == "line_too_long"


def test_a_quoted_field_over_the_cap_fails_the_feed_at_its_first_line() -> None:
    """A quoted field without the delimiter that runs on over many short lines."""
    body = '1;Ola;"' + "kort linje\n" * 200 + '"\n'
    with pytest.raises(FeedError) as caught:
        records(HEADER + body, max_line_bytes=1000)
    assert (caught.value.code, caught.value.line) == ("line_too_long", 2)


class Endless(io.RawIOBase):
    """A file of ``size`` bytes: a header, then one line of ``x`` with no end."""

    def __init__(self, size: int) -> None:
        self.head = HEADER.encode() + b"1;Ola;"
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        size = min(len(buffer), self.left)
        chunk = (self.head + b"x" * size)[:size] if self.head else b"x" * size
        self.head = b""
        buffer[:size] = chunk
        self.left -= size
        return size


def test_memory_stays_bounded_whatever_the_line() -> None:
    """Today the whole 64 MiB line is read (twice: bytes and text) before anything fails."""
    stream = io.BufferedReader(Endless(64 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(FeedError) as caught:
            list(read(stream, ReadOptions(role="elev", file="f.csv")))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == "line_too_long"
    assert peak < 16 * 1024 * 1024  # about the 1 MiB cap, not the 64 MiB line
