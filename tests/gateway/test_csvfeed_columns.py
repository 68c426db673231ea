"""The gateway's CSV columns: levels under a school, any number of guardians, shared columns."""

from __future__ import annotations

import io

import pytest

from gateway.csvfeed import ReadOptions, read, valid_field
from mapping.records import GuardianLink, Membership, Org, Person, RowIssue


def records(text: str, **options: object) -> list[object]:
    """Everything the reader yields for a file's content."""
    opts = ReadOptions(role="elev", file="f.csv", **options)  # type: ignore[arg-type]
    return list(read(io.BytesIO(text.encode()), opts))


def orgs(items: list[object]) -> list[tuple[str, str, str]]:
    """(key, kind, parent) of each node."""
    return [(o.key, o.kind, o.parent) for o in items if isinstance(o, Org)]


def test_numbered_levels_nest_in_header_order_with_the_class_innermost() -> None:
    items = records(
        "ID;Fornavn;Etternavn;Klasse;Level 1;Level 2\n1;Ola;Dahl;1STA;ST;Vg1\n", school="S"
    )
    assert orgs(items) == [
        ("S", "school", ""),
        ("S/ST", "department", "S"),
        ("S/ST/Vg1", "department", "S/ST"),
        ("S/ST/Vg1/1STA", "class", "S/ST/Vg1"),
    ]
    (person,) = [p for p in items if isinstance(p, Person)]
    assert person.orgs == ("S/ST/Vg1",)
    assert [m.group for m in items if isinstance(m, Membership)] == ["S/ST/Vg1/1STA"]


def test_an_empty_level_is_left_out_of_the_path() -> None:
    text = "ID;Fornavn;Etternavn;Programområde;Trinn;Klasse\n1;Ola;Dahl;;8;8A\n"
    assert [key for key, *_ in orgs(records(text, school="S"))] == ["S", "S/8", "S/8/8A"]


def test_a_second_year_column_is_ignored_as_before() -> None:
    items = records("ID;Fornavn;Etternavn;Trinn;Årskurs\n1;Ola;Dahl;8;8\n", school="S")
    assert [key for key, *_ in orgs(items)] == ["S", "S/8"]
    (issue,) = [i for i in items if isinstance(i, RowIssue)]
    assert issue.message == "columns ignored: Årskurs"


def test_a_level_without_a_school_is_a_row_error() -> None:
    items = records("ID;Fornavn;Etternavn;Programområde\n1;Ola;Dahl;ST\n")
    (issue,) = [i for i in items if isinstance(i, RowIssue)]
    assert (issue.code, issue.line, issue.message) == (
        "missing_field",
        2,
        "department 'ST' given without a school; row skipped",
    )


def test_guardians_past_the_ninth() -> None:
    header = "ID;Fornavn;Etternavn" + "".join(
        f";Guardian {n} ID;Guardian {n} first name;Guardian {n} last name" for n in range(1, 13)
    )
    row = "1;Ola;Dahl" + "".join(f";G{n};Per{n};Dahl" for n in range(1, 13))
    items = records(f"{header}\n{row}\n")
    links = [link.guardian for link in items if isinstance(link, GuardianLink)]
    assert links == [f"G{n}" for n in range(1, 13)]
    assert not [i for i in items if isinstance(i, RowIssue)]


def test_the_sync_key_column_keeps_its_own_field_unless_another_column_has_it() -> None:
    text = "E-post;Fornavn;Etternavn;Mail\nola@x.no;Ola;Dahl;ola.dahl@x.no\n"
    (person,) = [p for p in records(text, columns={"E-post": "sync_key"}) if isinstance(p, Person)]
    assert (person.key, person.email) == ("ola@x.no", "ola.dahl@x.no")
    alone = "E-post;Fornavn;Etternavn\nola@x.no;Ola;Dahl\n"
    (person,) = [p for p in records(alone, columns={"E-post": "sync_key"}) if isinstance(p, Person)]
    assert (person.key, person.email) == ("ola@x.no", "ola@x.no")


def test_a_column_mapped_to_another_field_is_only_that_field() -> None:
    text = "ID;Fornavn;Etternavn;Klasse\n1;Ola;Dahl;8\n"
    items = records(text, school="S", columns={"Klasse": "year"})
    assert [key for key, *_ in orgs(items)] == ["S", "S/8"]
    assert not [m for m in items if isinstance(m, Membership)]


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("level", True),
        ("year", True),
        ("class", True),
        ("guardian12.email", True),
        ("guardian0.email", False),
        ("guardian01.email", False),
        ("guardian3.role", False),
        ("shoe_size", False),
    ],
)
def test_fields_a_columns_file_may_name(name: str, valid: bool) -> None:
    assert valid_field(name) is valid
