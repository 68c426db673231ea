"""Headers by name, vendor columns, typos, dialects and the quirks of real files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ORGS = """
    sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
    s1,,,Nordby skole,school,,
"""
ROLES = """
    sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId
    r1,,,u1,primary,student,,,s1
"""


def test_header_typo_in_an_optional_column(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,prefferedGivenName
        u1,,,true,u1,Ola,Hansen,Olli
    """
    result = read(package("1.2", {"users.csv": users, "roles.csv": ROLES}))
    assert result.codes() == [("warning", "unknown_columns", "users.csv", 1)]
    assert "prefferedGivenName (did you mean preferredGivenName?)" in result.issues[0].message
    assert result.person("u1").given_name == "Ola"  # legal names; preferred ones are not used


def test_header_typo_in_a_required_column_fails_that_file(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,status,dateLastModified,enabledUser,username,givenNmae,familyName
        u1,,,true,u1,Ola,Hansen
    """
    result = read(package("1.2", {"users.csv": users, "roles.csv": ROLES, "orgs.csv": ORGS}))
    assert result.codes() == [
        ("error", "missing_columns", "users.csv", 1),
        ("error", "unresolved_reference", "roles.csv", None),  # users.csv unread: 1 role
        ("warning", "unknown_columns", "users.csv", 1),
    ]
    missing = next(i for i in result.issues if i.code == "missing_columns")
    assert "givenName" in missing.message
    assert result.persons == [] and [o.key for o in result.orgs] == ["s1"]


def test_missing_required_column_fails_only_that_file(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    enrollments = """
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,role
        e1,,,c1,s1,student
    """
    result = read(package("1.2", {"enrollments.csv": enrollments, "orgs.csv": ORGS}))
    assert result.codes() == [("error", "missing_columns", "enrollments.csv", 1)]
    assert "missing required column(s) userSourcedId" in result.issues[0].message
    assert result.memberships == [] and len(result.orgs) == 1
    assert "memberships" not in result.scopes


def test_bom_and_semicolons(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    users = (
        "\ufeffsourcedId;status;dateLastModified;enabledUser;orgSourcedIds;role;username;"
        "givenName;familyName\n"
        'u1;;;True;"s1,s2";Student;ola;Ola;Hansen\n'
    )
    result = read(package("1.1", {"users.csv": users}))
    assert result.codes() == [
        ("warning", "bom", "users.csv", 1),
        ("warning", "boolean_case", "users.csv", 2),
        ("warning", "semicolon_delimiter", "users.csv", 1),
        ("warning", "vocabulary_case", "users.csv", 2),
    ]
    ola = result.person("u1")
    assert (ola.username, ola.orgs, ola.roles[0].role) == ("ola", ("s1", "s2"), "Student")


def test_vendor_columns_aliases_and_empty_headers(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        enabledUser,sourcedId,GivenName,preferredFirstName,familyName,metadata.jp.kana,ext_sis_id,,
        false,u1,Ola,Olli,Hansen,オラ,77,,
    """
    result = read(package("1.2", {"users.csv": users, "roles.csv": ROLES}))
    assert result.codes() == [
        ("info", "extension_columns", "users.csv", 1),
        ("warning", "column_alias", "users.csv", 1),
        ("warning", "empty_header_columns", "users.csv", 1),
    ]
    alias = next(i for i in result.issues if i.code == "column_alias")
    assert "GivenName as givenName" in alias.message
    assert "preferredFirstName as preferredGivenName" in alias.message
    ola = result.person("u1")
    assert (ola.given_name, ola.enabled, ola.username, ola.email) == ("Ola", False, None, None)


def test_duplicate_columns(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    orgs = """
        sourcedId,name,type,name
        s1,First,school,Second
    """
    result = read(package("1.2", {"orgs.csv": orgs}))
    assert result.codes() == [("warning", "duplicate_columns", "orgs.csv", 1)]
    assert result.orgs[0].name == "First"


def test_bad_cells(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    enrollments = """
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,yes,1/05/2023,2024-06-30T00:00:00Z
        e2,,,c1,s1,,student,,,
        ,,,c1,s1,u3,student,,,
        e4,,,c1,s1,u4,teacher,FALSE,2024-01-01
        e5,,,c1,s1,u5,teacher,,,,extra
        ,,,,,,,,,
    """
    result = read(package("1.2", {"enrollments.csv": enrollments}))
    assert result.codes() == [
        ("error", "missing_value", "enrollments.csv", 3),
        ("error", "missing_value", "enrollments.csv", 4),
        ("warning", "boolean_case", "enrollments.csv", 5),
        ("warning", "invalid_boolean", "enrollments.csv", 2),
        ("warning", "invalid_date", "enrollments.csv", 2),
        ("warning", "row_length", "enrollments.csv", 5),
    ]
    e1, e4, e5 = result.memberships
    assert (e1.primary, e1.begin, e1.end) == (None, None, date(2024, 6, 30))
    assert (e4.primary, e4.begin, e4.end) == (False, date(2024, 1, 1), None)
    assert e5.key == "e5"
    rows = next(i for i in result.issues if i.code == "row_length")
    assert "2 row(s)" in rows.message  # line 5 is short, line 6 has an extra cell


def test_lines_are_physical(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    orgs = (
        "sourcedId,status,dateLastModified,name,type\r\n"
        '"s1",,,"Nordby\r\nskole",school\r\n'
        "\r\n"
        's2,,,Sørby skole,"district"\r\n'
    )
    result = read(package("1.2", {"orgs.csv": orgs}))
    assert [(o.key, o.line, o.name) for o in result.orgs] == [
        ("s1", 2, "Nordby\r\nskole"),
        ("s2", 5, "Sørby skole"),
    ]


def test_empty_file(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    result = read(package("1.2", {"orgs.csv": ""}))
    assert result.codes() == [("error", "empty_file", "orgs.csv", 1)]
    assert result.scopes == []


def test_header_only_files_with_no_newline(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    result = read(package("1.2", {"orgs.csv": "sourcedId,name,type"}))
    assert result.codes() == [] and result.orgs == []


def test_class_type_unknown_is_skipped(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    classes = """
        sourcedId,title,classType,schoolSourcedId
        c1,Maths,lecture,s1
        c2,Music,Scheduled,s1
    """
    result = read(package("1.2", {"classes.csv": classes}))
    assert result.codes() == [
        ("error", "invalid_value", "classes.csv", 2),
        ("warning", "vocabulary_case", "classes.csv", 3),
    ]
    assert [g.key for g in result.groups] == ["c2"]
