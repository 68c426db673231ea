"""Bulk and delta: status and dateLastModified, deletes, Scopes, references."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mapping.records import GuardianLink, Membership

NOW = "2024-09-01T10:00:00.000Z"
ORGS = f"""
    sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
    s1,active,{NOW},Nordby skole,school,,
"""
USERS = f"""
    sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,agentSourcedIds
    u1,active,{NOW},true,u1,Ola,Hansen,
    u2,tobedeleted,{NOW},true,u2,Siv,Berg,
    u3,inactive,{NOW},true,u3,Kim,Lund,
    u4,,{NOW},true,u4,Per,Dal,
    u5,active,,true,u5,Eva,Ås,
    u6,removed,{NOW},true,u6,Liv,Ek,
    u7,Active,{NOW},false,u7,Tor,Li,
"""
ROLES = """
    sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
"""


def test_delta_rows_need_status_and_date(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    result = read(package("1.2", {"users.csv": USERS}, {"users": "delta"}))
    states = {p.key: (p.deleted, p.enabled) for p in result.persons}
    assert states == {
        "u1": (False, True),
        "u2": (True, True),  # tobedeleted
        "u3": (True, True),  # inactive: the legacy alias
        "u7": (False, False),  # locked, not removed
    }
    assert result.codes() == [
        ("error", "invalid_status", "users.csv", 7),
        ("error", "missing_value", "users.csv", 5),
        ("error", "missing_value", "users.csv", 6),
        ("warning", "status_inactive", "users.csv", 4),
        ("warning", "vocabulary_case", "users.csv", 8),
    ]
    assert result.scopes == []  # a delta proves nothing gone
    messages = {i.line: i.message for i in result.issues}
    assert "status" in messages[5] and "dateLastModified" in messages[6]


def test_delta_file_without_a_status_column_is_not_read(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,enabledUser,username,givenName,familyName
        u1,true,u1,Ola,Hansen
    """
    result = read(package("1.2", {"users.csv": users, "orgs.csv": ORGS}, {"users": "delta"}))
    assert result.persons == [] and [o.key for o in result.orgs] == ["s1"]
    assert result.codes() == [
        ("error", "missing_columns", "users.csv", 1),
        ("warning", "bulk_status", "orgs.csv", 2),
    ]
    failed = next(i for i in result.issues if i.code == "missing_columns")
    assert "status, dateLastModified" in failed.message


def test_bulk_rows_with_status_warn_once_per_file(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    result = read(package("1.2", {"users.csv": USERS, "roles.csv": ROLES}))
    # Bulk: no status needed, but the ones given still count; one summary, not six.
    assert sorted(p.key for p in result.persons) == ["u1", "u2", "u3", "u4", "u5", "u7"]
    assert [p.key for p in result.persons if p.deleted] == ["u2", "u3"]
    bulk = [i for i in result.issues if i.code == "bulk_status"]
    assert [(i.line, i.key) for i in bulk] == [(2, "u1")]
    assert "7 row(s)" in bulk[0].message
    assert ("error", "invalid_status", "users.csv", 7) in result.codes()
    assert result.scopes == ["accounts", "guardian_links"]


# The columns each file cannot do without (files with a header and no rows).
HEADERS = {
    "orgs": "name,type",
    "courses": "title,orgSourcedId",
    "classes": "title,classType,schoolSourcedId",
    "users": "givenName,familyName",
    "roles": "userSourcedId,roleType,role,orgSourcedId",
    "enrollments": "classSourcedId,userSourcedId,role",
}


@pytest.mark.parametrize(
    ("modes", "scopes"),
    [
        ({}, ["accounts", "nodes", "groups", "memberships", "guardian_links"]),
        ({"courses": "absent"}, ["accounts", "nodes", "memberships", "guardian_links"]),
        ({"classes": "delta"}, ["accounts", "memberships", "guardian_links"]),
        ({"roles": "delta"}, ["nodes", "groups", "memberships", "guardian_links"]),
        ({"users": "delta", "enrollments": "delta"}, ["nodes", "groups"]),
    ],
)
def test_scopes_follow_bulk_files(
    package: Callable[..., Path],
    read: Callable[..., Any],
    modes: dict[str, str],
    scopes: list[str],
) -> None:
    files = {
        f"{n}.csv": f"sourcedId,status,dateLastModified,{header}\n"
        for n, header in HEADERS.items()
        if modes.get(n) != "absent"
    }
    result = read(package("1.2", files, modes))
    assert result.scopes == scopes


def test_failed_bulk_file_declares_no_scope(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,status,dateLastModified,enabledUser,username,givenName
        u1,,,true,u1,Ola
    """
    result = read(package("1.2", {"users.csv": users, "roles.csv": ROLES, "orgs.csv": ORGS}))
    assert result.codes() == [
        ("error", "missing_columns", "users.csv", 1),
        ("warning", "bulk_status", "orgs.csv", 2),
    ]
    assert result.scopes == []  # neither accounts nor guardian links: users.csv failed


ENROLLMENTS = """
    sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
    e1,active,2024-09-01,c1,s1,u1,student,,,
    e2,active,2024-09-01,c1,s1,ghost,student,,,
    e3,active,2024-09-01,nowhere,s9,u1,student,,,
"""
CLASSES = """
    sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
    c1,active,2024-09-01,Maths,,,,scheduled,,s1,,,,
"""
USERS_ONE = """
    sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName
    u1,active,2024-09-01,true,u1,Ola,Hansen
"""
REFS = {
    "enrollments.csv": ENROLLMENTS,
    "classes.csv": CLASSES,
    "users.csv": USERS_ONE,
    "orgs.csv": ORGS,
    "roles.csv": ROLES,
}


def test_unknown_user_or_class_in_bulk_drops_the_enrollment(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    result = read(package("1.2", REFS))
    assert [m.key for m in result.memberships] == ["e1"]
    refs = [i for i in result.issues if i.code == "unresolved_reference"]
    assert [(i.severity, i.line, i.key) for i in refs] == [
        ("error", 3, "e2"),  # user ghost
        ("error", 4, "e3"),  # class nowhere
        ("warning", 4, "e3"),  # school s9: a warning, it only places
    ]
    assert "'ghost' is not in users.csv; row skipped" in refs[0].message


def test_unknown_user_or_class_in_delta_is_yielded_with_a_warning(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    modes = dict.fromkeys(("enrollments", "classes", "users", "orgs", "roles"), "delta")
    result = read(package("1.2", REFS, modes))
    assert [m.key for m in result.memberships] == ["e1", "e2", "e3"]
    refs = [i for i in result.issues if i.code == "unresolved_reference"]
    assert {i.severity for i in refs} == {"warning"} and len(refs) == 3
    assert "may be in the store already" in refs[0].message


def test_delta_enrollment_to_a_user_missing_from_a_bulk_users_file(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    """The users file is the whole truth, so the user really is gone."""
    result = read(package("1.2", REFS, {"enrollments": "delta"}))
    assert [m.key for m in result.memberships] == ["e1"]


def test_tobedeleted_enrollment(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    enrollments = """
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role
        e1,tobedeleted,2024-09-01T08:00:00Z,c1,s1,u1,student
    """
    result = read(package("1.2", {"enrollments.csv": enrollments}, {"enrollments": "delta"}))
    assert result.memberships == [
        Membership("u1", "c1", "student", deleted=True, key="e1", line=2, file="enrollments.csv")
    ]
    assert result.codes() == []


def test_agents_outside_the_file(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    users = """
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,agentSourcedIds
        ola,active,2024-09-01,true,s1,student,ola,Ola,Hansen,"mor,far"
        per,active,2024-09-01,true,s1,parent,per,Per,Hansen,siv
        kari,active,2024-09-01,true,s1,teacher,kari,Kari,Dal,ola2
    """
    delta = read(package("1.1", {"users.csv": users}, {"users": "delta"}))
    # Delta: the agent may be stored already; the row's own role picks the direction.
    assert [(link.guardian, link.student) for link in delta.links] == [
        ("mor", "ola"),
        ("far", "ola"),
        ("per", "siv"),
    ]
    assert [c[:2] for c in delta.codes()] == [("info", "agent_ignored")] + [
        ("warning", "unresolved_reference")
    ] * 4
    bulk = read(package("1.1", {"users.csv": users}))
    assert bulk.links == []
    assert [c[:2] for c in bulk.codes()].count(("error", "unresolved_reference")) == 4


def test_deleted_user_takes_its_links_along(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,agentSourcedIds
        ola,tobedeleted,2024-09-01,true,s1,student,ola,Ola,Hansen,per
        per,active,2024-09-01,true,s1,parent,per,Per,Hansen,
    """
    result = read(package("1.1", {"users.csv": users}, {"users": "delta"}))
    assert result.links == [GuardianLink("per", "ola", deleted=True, line=2, file="users.csv")]


def test_roles_of_unknown_users(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    roles = """
        sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
        r1,,,u1,primary,student,,,s1,
        r2,,,ghost,primary,student,,,s1,
        r3,,,u1,primary,teacher,,,s9,
    """
    users = """
        sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName
        u1,,,true,u1,Ola,Hansen
        u2,,,true,u2,Siv,Berg
    """
    files = {"roles.csv": roles, "users.csv": users, "orgs.csv": ORGS.replace(f"active,{NOW}", ",")}
    result = read(package("1.2", files))
    assert result.codes() == [
        ("error", "unresolved_reference", "roles.csv", 3),  # no such user: role not applied
        ("warning", "no_roles", "users.csv", 3),
        ("warning", "primary_role", "users.csv", 2),
        ("warning", "unresolved_reference", "roles.csv", 4),  # org s9
    ]
    assert len(result.person("u1").roles) == 2
    without_users = read(package("1.2", {"roles.csv": roles}))
    assert without_users.codes() == [("error", "unresolved_reference", "roles.csv", None)]
    assert "3 role(s)" in without_users.issues[0].message
