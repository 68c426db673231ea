"""From rows to records: 1.1 and 1.2 alike, orgs, homerooms, guardians, roles."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import oneroster
from mapping.records import GuardianLink, Org, RoleClaim

ORGS = """
    sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
    d1,,,Nordby kommune,district,,
    s1,,,Nordby skole,school,,d1
    s2,,,Sørby skole,school,,d1
"""
SESSIONS = """
    sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
    y24,,,2024/25,schoolYear,2024-08-15,2025-06-20,,2025
    t1,,,Autumn,term,2024-08-15,2024-12-20,y24,2025
    t2,,,Spring,term,2025-01-03,2025-06-20,y24,2025
"""
COURSES = """
    sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
    c-math,,,y24,Mathematics 8,,08,s1,Mathematics,MAT
"""
CLASSES = """
    sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
    8a,,,8A,08,c-math,,homeroom,,s1,"t1,t2",,,
    8b,,,8B,08,c-math,,homeroom,,s1,t1,,,
    mix,,,Mixed,"08,09",c-math,,homeroom,,s1,t1,,,
    math-8a,,,Maths 8A,08,c-math,,scheduled,,s1,"t2,t1","Mathematics,Algebra",,
"""
USERS_11 = """
    sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
    kari,,,true,"s1,s2",teacher,kari,,Kari,Nordmann,,,kari@nordby.no,,,,,
    ola,,,true,s1,student,ola,,Ola,Hansen,,,,,,per,08,
    per,,,true,s1,parent,,,Per,Hansen,,,per@example.no,,,ola,,
    siv,,,false,s1,student,siv,,Siv,Berg,,,,,,,08,
"""
USERS_12 = """
    sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns
    kari,,,true,kari,,Kari,Nordmann,,,kari@nordby.no,,,,,,,,,,s1,
    ola,,,true,ola,,Ola,Hansen,,,,,,per,08,,,,,,s1,
    per,,,true,,,Per,Hansen,,,per@example.no,,,ola,,,,,,,s1,
    siv,,,false,siv,,Siv,Berg,,,,,,,08,,,,,,s1,
"""
ROLES = """
    sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
    r2,,,kari,secondary,teacher,,,s2,
    r1,,,kari,primary,teacher,,,s1,
    r3,,,ola,primary,student,,,s1,
    r4,,,per,primary,parent,,,s1,
    r5,,,siv,primary,student,,,s1,
"""
ENROLLMENTS = """
    sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
    e1,,,math-8a,s1,kari,teacher,true,2024-08-15,
    e2,,,math-8a,s1,ola,student,false,,
    e3,,,8a,s1,ola,student,,,
"""
COMMON = {
    "orgs.csv": ORGS,
    "academicSessions.csv": SESSIONS,
    "courses.csv": COURSES,
    "classes.csv": CLASSES,
    "enrollments.csv": ENROLLMENTS,
}
V11 = {**COMMON, "users.csv": USERS_11}
V12 = {**COMMON, "users.csv": USERS_12, "roles.csv": ROLES}


def bare(records: list[Any]) -> set[Any]:
    """Records without where they came from."""
    return {dataclasses.replace(r, line=None, file="") for r in records}


def test_same_district_in_11_and_12_gives_the_same_records(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    old, new = read(package("1.1", V11)), read(package("1.2", V12))
    assert old.codes() == new.codes() == []
    for kind in ("persons", "orgs", "groups", "memberships", "links"):
        assert bare(getattr(old, kind)) == bare(getattr(new, kind)), kind
    assert (
        old.scopes == new.scopes == ["accounts", "nodes", "groups", "memberships", "guardian_links"]
    )
    kari = new.person("kari")
    assert kari.roles == (RoleClaim("teacher", "s1"), RoleClaim("teacher", "s2"))
    assert kari.orgs == ("s1", "s2")
    assert (kari.email, new.person("ola").email, new.person("per").username) == (
        "kari@nordby.no",
        "",
        "",
    )
    assert [p.key for p in new.persons if not p.enabled] == ["siv"]


def test_orgs_groups_and_dates(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    result = read(package("1.1", V11))
    orgs = {o.key: (o.kind, o.parent, o.name) for o in result.orgs}
    assert orgs == {
        "d1": ("school_owner", "", "Nordby kommune"),
        "s1": ("school", "d1", "Nordby skole"),
        "s2": ("school", "d1", "Sørby skole"),
        # Both 8A and 8B are in grade 08: one year node, made with the first.
        "s1/year/08": ("year", "s1", "08"),
        "8a": ("class", "s1/year/08", "8A"),
        "8b": ("class", "s1/year/08", "8B"),
        "mix": ("class", "s1", "Mixed"),  # two grades: straight under the school
    }
    year = next(o for o in result.orgs if o.kind == "year")
    assert (year.file, year.line) == ("classes.csv", 2)
    groups = {g.key: g for g in result.groups}
    course, subject = groups["c-math"], groups["math-8a"]
    assert (course.kind, course.school, course.subjects) == ("course", "s1", ("Mathematics",))
    assert (course.begin, course.end) == (date(2024, 8, 15), date(2025, 6, 20))  # school year
    assert (subject.kind, subject.school, subject.course) == ("subject", "s1", "c-math")
    assert subject.subjects == ("Mathematics", "Algebra")
    assert (subject.begin, subject.end) == (date(2024, 8, 15), date(2025, 6, 20))  # t1 + t2
    teacher = next(m for m in result.memberships if m.key == "e1")
    assert (teacher.person, teacher.group, teacher.role, teacher.primary) == (
        "kari",
        "math-8a",
        "teacher",
        True,
    )
    assert (teacher.begin, teacher.end, teacher.file, teacher.line) == (
        date(2024, 8, 15),
        None,
        "enrollments.csv",
        2,
    )


def test_org_types(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    orgs = """
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        n,,,Norway,national,,
        st,,,Viken,state,,n
        l,,,Local,local,,st
        d,,,District,District,,l
        s,,,School,school,,d
        dep,,,Science,department,,s
        x,,,Campus,ext:campus,,s
    """
    result = read(package("1.2", {"orgs.csv": orgs}))
    assert [o.kind for o in result.orgs] == [
        "school_owner",
        "school_owner",
        "school_owner",
        "school_owner",
        "school",
        "department",
        "school_owner",
    ]
    assert result.codes() == [
        ("warning", "invalid_value", "orgs.csv", 8),
        ("warning", "vocabulary_case", "orgs.csv", 5),
    ]


def test_deleted_homeroom_makes_no_year(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    classes = """
        sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
        9a,tobedeleted,2024-01-01T00:00:00.000Z,9A,09,,,homeroom,,s1,,,,
    """
    result = read(package("1.2", {"classes.csv": classes}, {"classes": "delta"}))
    assert result.orgs == [
        Org("9a", "9A", "class", "s1/year/09", deleted=True, line=2, file="classes.csv")
    ]


USERS_HEAD = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
)


def _user(key: str, role: str, agents: str = "") -> str:
    return f'{key},,,true,s1,{role},{key},,{key.title()},X,,,,,,"{agents}",,\n'


def test_guardians_from_both_sides_once(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = USERS_HEAD + "".join(
        [
            _user("ola", "student", "per,mona"),  # line 2: names both guardians
            _user("per", "parent", "ola"),  # line 3: the same pair from the other side
            _user("mona", "guardian"),  # line 4
            _user("kim", "relative", "ola,siv"),  # line 5: names two students
            _user("siv", "Student"),  # line 6
            _user("kari", "teacher", "ola"),  # line 7: a teacher is no guardian
        ]
    )
    result = read(package("1.1", {"users.csv": users}))
    assert result.links == [
        GuardianLink("per", "ola", line=2, file="users.csv"),
        GuardianLink("mona", "ola", line=2, file="users.csv"),
        GuardianLink("kim", "ola", line=5, file="users.csv"),
        GuardianLink("kim", "siv", line=5, file="users.csv"),
    ]
    assert result.codes() == [
        ("info", "agent_ignored", "users.csv", 7),
        ("warning", "vocabulary_case", "users.csv", 6),
    ]
    assert result.person("siv").roles == (RoleClaim("Student", "s1"),)  # roles as sent
    ignored = next(i for i in result.issues if i.code == "agent_ignored")
    assert (ignored.key, ignored.entity) == ("kari", "guardian_links")


def test_teacher_at_one_school_with_a_secondary_role_at_another(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,primaryOrgSourcedId
        kari,,,true,kari,Kari,Nordmann,
    """
    roles = """
        sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
        r9,,,kari,secondary,siteAdministrator,2024-08-01,,s2,
        r1,,,kari,primary,teacher,,,s1,
    """
    orgs = """
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        s1,,,Nordby skole,school,,
        s2,,,Sørby skole,school,,
    """
    result = read(package("1.2", {"users.csv": users, "roles.csv": roles, "orgs.csv": orgs}))
    kari = result.person("kari")
    assert kari.roles == (RoleClaim("teacher", "s1"), RoleClaim("siteAdministrator", "s2"))
    assert kari.orgs == ("s1", "s2")
    assert result.codes() == []
    assert result.scopes == ["accounts", "guardian_links"]


def test_roles_out_of_their_dates(package: Callable[..., Path], read: Callable[..., Any]) -> None:
    users = """
        sourcedId,givenName,familyName,primaryOrgSourcedId
        moved,Kari,Nordmann,s2
        stale,Ola,Hansen,s1
        early,Siv,Berg,s1
    """
    roles = """
        sourcedId,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId
        r1,moved,secondary,teacher,2023-08-01,2025-06-20,s1
        r2,moved,primary,teacher,2025-08-01,,s2
        r3,stale,primary,student,2023-08-01,2025-06-20,s1
        r4,early,primary,student,2025-09-01,,s1
        r5,early,secondary,aide,2025-01-01,2025-09-01,s1
    """
    orgs = """
        sourcedId,name,type
        s1,Nordby skole,school
        s2,Sørby skole,school
    """
    files = {"users.csv": users, "roles.csv": roles, "orgs.csv": orgs}
    on = oneroster.ReadOptions(file="p.zip", today=date(2025, 9, 1))
    result = read(package("1.2", files), on)
    assert result.person("moved").roles == (RoleClaim("teacher", "s2"),)  # the ended one left out
    assert result.person("stale").roles == (RoleClaim("student", "s1"),)  # kept: nothing newer
    assert result.person("early").roles == (  # both held on 2025-09-01: begin and end included
        RoleClaim("student", "s1"),
        RoleClaim("aide", "s1"),
    )
    assert result.codes() == [
        ("info", "role_not_current", "users.csv", 2),
        ("warning", "stale_role_dates", "users.csv", 3),
    ]
    moved = next(i for i in result.issues if i.code == "role_not_current")
    assert moved.message.startswith("1 user(s) have roles.csv roles")
    assert "teacher at 's1' on 2025-09-01" in moved.message
    later = read(package("1.2", files), oneroster.ReadOptions(today=date(2025, 9, 2)))
    assert later.person("early").roles == (RoleClaim("student", "s1"),)


def test_username_and_email_absent_or_empty(
    package: Callable[..., Path], read: Callable[..., Any]
) -> None:
    users = """
        sourcedId,givenName,familyName
        u1,A,B
    """
    roles = """
        sourcedId,userSourcedId,roleType,role,orgSourcedId
        r1,u1,primary,student,s1
    """
    person = read(package("1.2", {"users.csv": users, "roles.csv": roles})).person("u1")
    assert (person.username, person.email, person.enabled) == (None, None, True)
