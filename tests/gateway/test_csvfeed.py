"""The gateway's own CSV reader: encodings, delimiters, headers, rows, guardians."""

from __future__ import annotations

import io

import pytest

from gateway.csvfeed import ReadOptions, read
from gateway.sync.desired import collect
from mapping.records import FeedError, GuardianLink, Membership, Org, Person, RoleClaim, RowIssue


def records(text: str | bytes, **options: object) -> list[object]:
    """Everything the reader yields for a file's content."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(read(io.BytesIO(data), ReadOptions(file="f.csv", **options)))  # type: ignore[arg-type]


def persons(items: list[object]) -> list[Person]:
    """Only the persons."""
    return [i for i in items if isinstance(i, Person)]


def issues(items: list[object]) -> list[tuple[str, str, int | None]]:
    """(severity, code, line) of each issue."""
    return [(i.severity, i.code, i.line) for i in items if isinstance(i, RowIssue)]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_each_delimiter(delimiter: str) -> None:
    text = delimiter.join(["ID", "First name", "Last name"]) + "\n"
    text += delimiter.join(["7", "Maria", "Schneider"]) + "\n"
    assert persons(records(text, role="student")) == [
        Person("7", "Maria", "Schneider", None, None, (RoleClaim("student"),), line=2, file="f.csv")
    ]


def test_bom_and_crlf_are_tolerated() -> None:
    data = "\ufeffSync key;Given name;Family name\r\n1;Åse;Ødegård\r\n".encode()
    assert [(p.key, p.given_name, p.family_name) for p in persons(records(data, role="elev"))] == [
        ("1", "Åse", "Ødegård")
    ]


@pytest.mark.parametrize(
    "header",
    [
        "Synkroniseringsnøkkel;Fornavn;Etternavn;Brukernavn;E-post;Trinn;Klasse;Rolle;Skole",
        "Synkroniseringsnyckel;Förnamn;Efternamn;Användarnamn;E-post;Årskurs;Klass;Roll;Skola",
        "Synkroniseringsnøgle;Fornavn;Efternavn;Brugernavn;Email;År;Klasse;Rolle;Skole",
        "Sync key;First name;Last name;Username;E-mail;Year;Class;Role;School",
    ],
    ids=["norwegian", "swedish", "danish", "english"],
)
def test_headers_in_each_language(header: str) -> None:
    items = records(f"{header}\nS1;Maria;Schneider;masc;m@x.no;8;8A;elev;Nordby skole\n")
    assert [i for i in items if isinstance(i, Org)] == [
        Org("Nordby skole", "Nordby skole", "school", "", line=2, file="f.csv"),
        Org("Nordby skole/8", "8", "year", "Nordby skole", line=2, file="f.csv"),
        Org("Nordby skole/8/8A", "8A", "class", "Nordby skole/8", line=2, file="f.csv"),
    ]
    (person,) = persons(items)
    assert (person.username, person.email, person.roles, person.orgs) == (
        "masc",
        "m@x.no",
        (RoleClaim("elev"),),
        ("Nordby skole/8",),
    )
    assert [i for i in items if isinstance(i, Membership)] == [
        Membership("S1", "Nordby skole/8/8A", "elev", line=2, file="f.csv")
    ]
    assert issues(items) == []


def test_blank_and_invisible_lines_are_info_not_failures() -> None:
    text = "ID;Fornavn;Etternavn\n\n1;Ola;Nordmann\n\u200b\u00a0;\t;\n;;\n2;Kari;Nordmann\n"
    items = records(text, role="elev")
    assert [p.key for p in persons(items)] == ["1", "2"]
    assert issues(items) == [
        ("info", "blank_line", 2),
        ("info", "blank_line", 4),
        ("info", "blank_line", 5),
    ]


def test_windows_1252_fails_the_feed_naming_line_and_byte() -> None:
    data = "ID;Fornavn;Etternavn\n1;Ola;Nordmann\n2;Åse;Ødegård\n".encode("cp1252")
    with pytest.raises(FeedError) as caught:
        records(data, role="elev")
    assert caught.value.code == "not_utf8"
    assert caught.value.line == 3
    assert "line 3, byte 3 (0xC5)" in caught.value.message
    assert '"CSV UTF-8"' in caught.value.message


def test_missing_required_column_fails_the_feed() -> None:
    with pytest.raises(FeedError) as caught:
        records("ID;Fornavn;E-post\n1;Ola;o@x.no\n", role="elev")
    assert caught.value.code == "missing_column"
    assert "family_name" in caught.value.message


def test_no_role_anywhere_fails_the_feed() -> None:
    with pytest.raises(FeedError) as caught:
        records("ID;Fornavn;Etternavn\n1;Ola;Nordmann\n")
    assert caught.value.code == "missing_role"


def test_empty_file_fails_the_feed() -> None:
    with pytest.raises(FeedError) as caught:
        records(b"")
    assert caught.value.code == "empty_file"


def test_missing_values_skip_the_row_with_an_error() -> None:
    items = records("ID;Fornavn;Etternavn;Rolle\n1;;Nordmann;elev\n2;Kari;Nordmann;\n", role="")
    assert persons(items) == []
    assert issues(items) == [("error", "missing_field", 2), ("error", "missing_field", 3)]


def test_unknown_columns_are_named_once() -> None:
    items = records("ID;Fornavn;Etternavn;Skostørrelse;Hobby\n1;Ola;Nordmann;42;ski\n", role="elev")
    (issue,) = [i for i in items if isinstance(i, RowIssue)]
    assert (issue.severity, issue.code, issue.message) == (
        "info",
        "unknown_columns",
        "columns ignored: Skostørrelse, Hobby",
    )


def test_explicit_column_mapping() -> None:
    columns = {
        "Elevnr": "sync_key",
        "Navn": "given_name",
        "Slekt": "family_name",
        "Pårørende": "guardian1.sync_key",
        "PårørendeNavn": "guardian1.given_name",
        "PårørendeEtternavn": "guardian1.family_name",
    }
    text = "Elevnr;Navn;Slekt;Pårørende;PårørendeNavn;PårørendeEtternavn\n9;Ola;Dahl;G;Per;Dahl\n"
    items = records(text, role="elev", columns=columns)
    assert [(p.key, p.roles) for p in persons(items)] == [
        ("9", (RoleClaim("elev"),)),
        ("G", (RoleClaim("guardian"),)),
    ]


def test_a_guardian_on_two_rows_is_one_person_with_two_links() -> None:
    text = (
        "ID;Fornavn;Etternavn;Foresatt1 ID;Foresatt1 Fornavn;Foresatt1 Etternavn;"
        "Vårdnadshavare2 ID;Vårdnadshavare2 Förnamn;Vårdnadshavare2 Efternamn\n"
        "1;Ola;Dahl;G1;Per;Dahl;G2;Liv;Dahl\n"
        "2;Kari;Dahl;G1;Per;Dahl;;;\n"
    )
    items = records(text, role="elev")
    assert [p.key for p in persons(items)] == ["1", "G1", "G2", "2"]
    assert [(i.guardian, i.student) for i in items if isinstance(i, GuardianLink)] == [
        ("G1", "1"),
        ("G2", "1"),
        ("G1", "2"),
    ]


def test_duplicate_sync_keys_inside_one_file() -> None:
    text = "ID;Fornavn;Etternavn\n1;Ola;Dahl\n2;Kari;Dahl\n1;Olav;Dahl\n"
    desired = collect(read(io.BytesIO(text.encode()), ReadOptions(role="elev", file="f.csv")))
    assert desired.persons["1"].given_name == "Ola"
    (issue,) = desired.issues
    assert (issue.severity, issue.code, issue.key, issue.line) == ("error", "duplicate_key", "1", 4)
    assert "line 2" in issue.message


def test_school_option_and_column() -> None:
    text = "ID;Fornavn;Etternavn;Skole\n1;Ola;Dahl;Sørby skole\n2;Kari;Dahl;\n"
    items = records(text, role="elev", school="Nordby skole")
    assert [p.orgs for p in persons(items)] == [("Sørby skole",), ("Nordby skole",)]


def test_class_without_school_is_a_row_error() -> None:
    items = records("ID;Fornavn;Etternavn;Klasse\n1;Ola;Dahl;8A\n", role="elev")
    assert persons(items) == []
    assert issues(items) == [("error", "missing_field", 2)]
