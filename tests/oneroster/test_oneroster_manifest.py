"""The manifest: version, file modes, files absent, unlisted, missing or misnamed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

USERS_11 = """
    sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName
    u1,,,true,s1,student,u1,Ola,Hansen
    u2,,,true,s1,teacher,u2,Kari,Dal
"""
USERS_12 = """
    sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,primaryOrgSourcedId
    u1,,,true,u1,Ola,Hansen,s1
"""
ROLES = """
    sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId
    r1,,,u1,primary,student,,,s1
"""
ORGS = """
    sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
    s1,,,Nordby skole,school,,
"""


def test_missing_manifest_detects_11(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = USERS_11.replace("u2,,", "u2,tobedeleted,")
    result = read(package(files={"users.csv": users}, manifest=False))
    assert result.codes() == [("warning", "manifest_missing", "manifest.csv", None)]
    assert "OneRoster 1.1" in result.issues[0].message
    # Read as in bulk (status optional, honoured) but nothing is declared complete.
    assert [(p.key, p.deleted) for p in result.persons] == [("u1", False), ("u2", True)]
    assert result.scopes == []


@pytest.mark.parametrize(
    "files",
    [
        {"users.csv": USERS_12, "roles.csv": ROLES},  # roles.csv tells
        {"users.csv": USERS_12},  # primaryOrgSourcedId tells
    ],
)
def test_missing_manifest_detects_12(
    package: Callable[..., Path], read: Callable[..., Any], files: dict[str, str]
) -> None:
    result = read(package(files=files, manifest=False, as_zip=False))
    assert [c[1] for c in result.codes()] == ["manifest_missing"]
    assert "OneRoster 1.2" in result.issues[0].message
    assert [p.key for p in result.persons] == ["u1"]


def test_file_marked_absent_but_present(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    result = read(package("1.1", {"users.csv": USERS_11, "orgs.csv": ORGS}, {"users": "absent"}))
    assert result.codes() == [("warning", "file_marked_absent", "users.csv", None)]
    assert result.persons == [] and [o.key for o in result.orgs] == ["s1"]
    assert result.scopes == []  # nodes needs classes too


def test_file_present_but_not_listed(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    result = read(package("1.1", {"users.csv": USERS_11, "orgs.csv": ORGS}, {"orgs": None}))
    assert result.codes() == [("warning", "file_not_listed", "orgs.csv", None)]
    assert result.orgs == [] and len(result.persons) == 2
    assert result.scopes == ["accounts", "guardian_links"]


def test_file_listed_but_missing(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    result = read(package("1.1", {"orgs.csv": ORGS}, {"users": "bulk"}))
    assert result.codes() == [("warning", "file_missing", "users.csv", None)]
    assert result.scopes == []  # no users read: no accounts, however bulk the manifest says


def test_file_name_in_another_case(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    result = read(package("1.1", {"Users.csv": USERS_11}, {"users": "bulk"}))
    assert result.codes() == [("warning", "file_name_case", "Users.csv", None)]
    assert len(result.persons) == 2 and result.persons[0].file == "Users.csv"


def test_unknown_and_other_version_files(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    files = {"users.csv": USERS_11, "roles.csv": ROLES, "relationships.csv": "a,b\n"}
    result = read(package("1.1", files))
    assert result.codes() == [
        ("warning", "unknown_file", "relationships.csv", None),
        ("warning", "unknown_file", "roles.csv", None),  # a 1.2 file in a 1.1 package
    ]


def test_files_not_needed(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    files = {"lineItems.csv": "x\n", "demographics.csv": "y\n", "userProfiles.csv": "z\n"}
    result = read(package("1.2", files))
    assert result.codes() == [
        ("info", "demographics_ignored", "demographics.csv", None),
        ("info", "file_ignored", "lineItems.csv", None),
        ("info", "file_ignored", "userProfiles.csv", None),
    ]


def _manifest(package: Callable[..., Path], text: str, files: dict[str, str]) -> Path:
    """A package whose manifest is exactly ``text``."""
    return package(files={"manifest.csv": text, **files}, manifest=False)


@pytest.mark.parametrize(("version", "read_as"), [("1.2.1", "1.2"), ("1.1", "1.1")])
def test_version_from_the_manifest(
    package: Callable[..., Path], read: Callable[..., Any], version: str, read_as: str
) -> None:
    text = f"propertyName,value\noneroster.version,{version}\nfile.users,BULK\n"
    users = USERS_11 if read_as == "1.1" else USERS_12
    result = read(_manifest(package, text, {"users.csv": users}))
    assert result.codes() == [] and result.persons


def test_unusable_version_and_modes(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    text = (
        "propertyName,value\n"
        "oneroster.version,2.0\n"  # line 2
        "file.users,bulk\n"
        "file.roles,sometimes\n"  # line 4
        "file.widgets,bulk\n"  # line 5
        "source.systemCode,absent\n"
    )
    result = read(_manifest(package, text, {"users.csv": USERS_12, "roles.csv": ROLES}))
    assert result.codes() == [
        ("warning", "file_marked_absent", "roles.csv", None),
        ("warning", "manifest_entry", "manifest.csv", 5),
        ("warning", "manifest_mode", "manifest.csv", 4),
        ("warning", "manifest_version", "manifest.csv", 2),
    ]
    assert "read as OneRoster 1.2" in result.issues[0].message


def test_manifest_with_bom_and_semicolons(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    text = "\ufeffpropertyName;value\noneroster.version;1.1\nfile.users;bulk\n"
    result = read(_manifest(package, text, {"users.csv": USERS_11}))
    assert result.codes() == [
        ("warning", "bom", "manifest.csv", 1),
        ("warning", "semicolon_delimiter", "manifest.csv", 1),
    ]
    assert result.scopes == ["accounts", "guardian_links"]
