"""Every public package that claims to be OneRoster, read with hand-counted expectations.

The counts below come from reading the CSVs (``unzip -p <zip> <file> | cat -A | nl``),
not from the reader's output; the comment above each test says how.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from mapping.records import RoleClaim

CATALYST = "catalyst-moodle-enrol-oneroster"
SCHOOL = "org-sch-222-456"
JOHN, MARY, THOMAS = "usr-222-123456", "usr-222-66778899", "usr-222-1234561"
JIM, MMICHEL, ANNA = "usr-222-987654", "usr-222-1234561232", "usr-222-567891"


def summary(result: Any) -> dict[str, Any]:
    """The counts a test compares: persons by state and role, orgs and groups by kind, …"""
    return {
        "enabled": sum(p.enabled for p in result.persons),
        "disabled": sum(not p.enabled for p in result.persons),
        "roles": Counter(c.role for p in result.persons for c in p.roles),
        "orgs": Counter(o.kind for o in result.orgs),
        "groups": Counter(g.kind for g in result.groups),
        "memberships": Counter(m.role for m in result.memberships),
        "links": {(link.guardian, link.student) for link in result.links},
        "scopes": result.scopes,
    }


# Test_full_data_set.zip (1.1, every file bulk; courses absent):
# - orgs.csv: 1 row, type department, parent org-sch-222-3456 not in the file (warning on
#   line 2); status and dateLastModified filled in (1 bulk_status).
# - academicSessions.csv: 5 rows, all with status (bulk_status, first line 2); line 4 is
#   'inactive' (status_inactive). Sessions make no records.
# - classes.csv: line 2 'Scheduled' (vocabulary_case) → subject group dated by term
#   as-trm-222-1234 (2022-09-01..2022-12-24); line 3 homeroom, tobedeleted, grades "10" →
#   a deleted class node whose year is not made (a deleted homeroom makes no year).
#   Both rows have a status (bulk_status). courses.csv is absent: course refs unchecked.
# - users.csv: 6 users (lines 2-7): 2 teachers, 3 students, 1 parent; all TRUE
#   (boolean_case); 5 rows have a status (line 3 has none; bulk_status).
#   Agents: line 3 Mary(student)→John(teacher), line 5 Jim(teacher)→John, line 6
#   mmichel(student)→John, line 7 Anna(student)→Jim(teacher): 4 agent_ignored;
#   line 4 Thomas(parent)→Mary(student): the one link.
# - enrollments.csv: 6 rows, 2 teacher + 4 student, all with a status (bulk_status).
# - Scopes: users bulk → accounts, guardian_links; enrollments → memberships; orgs and
#   classes bulk → nodes; courses absent → no groups scope.
def test_catalyst_full_data_set(read: Callable[..., Any], external: Path) -> None:
    result = read(external / CATALYST / "Test_full_data_set.zip")
    assert summary(result) == {
        "enabled": 6,
        "disabled": 0,
        "roles": Counter({"student": 3, "teacher": 2, "parent": 1}),
        "orgs": Counter({"department": 1, "class": 1}),
        "groups": Counter({"subject": 1}),
        "memberships": Counter({"student": 4, "teacher": 2}),
        "links": {(THOMAS, MARY)},
        "scopes": ["accounts", "nodes", "memberships", "guardian_links"],
    }
    assert result.codes() == sorted(
        [
            ("warning", "unresolved_reference", "orgs.csv", 2),
            ("warning", "bulk_status", "orgs.csv", 2),
            ("warning", "bulk_status", "academicSessions.csv", 2),
            ("warning", "status_inactive", "academicSessions.csv", 4),
            ("warning", "bulk_status", "classes.csv", 2),
            ("warning", "vocabulary_case", "classes.csv", 2),
            ("warning", "bulk_status", "users.csv", 2),
            ("warning", "boolean_case", "users.csv", 2),
            ("info", "agent_ignored", "users.csv", 3),
            ("info", "agent_ignored", "users.csv", 5),
            ("info", "agent_ignored", "users.csv", 6),
            ("info", "agent_ignored", "users.csv", 7),
            ("warning", "bulk_status", "enrollments.csv", 2),
        ]
    )
    physics = result.groups[0]
    assert (physics.key, physics.course, physics.school) == (
        "cls-222-123456",
        "crs-222-2023-456-12345",
        SCHOOL,
    )
    assert (physics.begin, physics.end) == (date(2022, 9, 1), date(2022, 12, 24))
    assert physics.subjects == ("Science", "Physics", "Biology")
    homeroom = next(o for o in result.orgs if o.kind == "class")
    assert (homeroom.deleted, homeroom.parent) == (True, f"{SCHOOL}/year/10")
    assert result.person(JOHN).roles == (RoleClaim("teacher", SCHOOL),)
    counts = Counter((i.code, i.message.split(" (")[0]) for i in result.issues)
    assert (
        counts[
            (
                "bulk_status",
                "5 row(s) fill in status or dateLastModified, which bulk "
                "rows leave blank; the statuses are honoured",
            )
        ]
        == 2
    )


# Test_minimal_data_set.zip: the same rows with most optional cells empty.
# - No status anywhere, so no bulk_status; no parent on the org; no agents → no links.
# - classes.csv line 2 'Scheduled' (vocabulary_case); line 3 homeroom without grades →
#   a live class node straight under the school.
# - users.csv: 6 × TRUE (boolean_case); emails empty → "" (the column is there).
# - enrollments: no primary/dates → None.
def test_catalyst_minimal_data_set(read: Callable[..., Any], external: Path) -> None:
    result = read(external / CATALYST / "Test_minimal_data_set.zip")
    assert summary(result) == {
        "enabled": 6,
        "disabled": 0,
        "roles": Counter({"student": 3, "teacher": 2, "parent": 1}),
        "orgs": Counter({"department": 1, "class": 1}),
        "groups": Counter({"subject": 1}),
        "memberships": Counter({"student": 4, "teacher": 2}),
        "links": set(),
        "scopes": ["accounts", "nodes", "memberships", "guardian_links"],
    }
    assert result.codes() == [
        ("warning", "boolean_case", "users.csv", 2),
        ("warning", "vocabulary_case", "classes.csv", 2),
    ]
    homeroom = next(o for o in result.orgs if o.kind == "class")
    assert (homeroom.key, homeroom.parent, homeroom.deleted) == ("cls-222-123478", SCHOOL, False)
    assert {p.email for p in result.persons} == {""}
    assert {(m.primary, m.begin) for m in result.memberships} == {(None, None)}


# oneroster_test_data.zip (1.2, every file delta): one row per file, all 'active' with a
# dateLastModified, every reference resolves inside the package.
# - ORG_1 school; COURSE_001 course at ORG_1 (subjects "subject1"); CLASS_001 scheduled,
#   term ACAD_SESS_1 (2023-09-04..2024-01-26); USER_0 with roles.csv ROLE_8 primary student
#   at ORG_1; ENROLLMENT_001 student.
# - Issues: users.csv line 2 TRUE (boolean_case); userProfiles.csv and demographics.csv
#   (both delta) are not read: file_ignored and demographics_ignored (info).
# - Delta files declare no Scope.
def test_catalyst_oneroster_test_data(read: Callable[..., Any], external: Path) -> None:
    result = read(external / CATALYST / "oneroster_test_data.zip")
    assert summary(result) == {
        "enabled": 1,
        "disabled": 0,
        "roles": Counter({"student": 1}),
        "orgs": Counter({"school": 1}),
        "groups": Counter({"course": 1, "subject": 1}),
        "memberships": Counter({"student": 1}),
        "links": set(),
        "scopes": [],
    }
    assert result.codes() == [
        ("info", "demographics_ignored", "demographics.csv", None),
        ("info", "file_ignored", "userProfiles.csv", None),
        ("warning", "boolean_case", "users.csv", 2),
    ]
    bruce = result.person("USER_0")
    assert (bruce.roles, bruce.orgs, bruce.username) == (
        (RoleClaim("student", "ORG_1"),),
        ("ORG_1",),
        "brucewayne",
    )
    subject = next(g for g in result.groups if g.kind == "subject")
    assert (subject.course, subject.begin, subject.end) == (
        "COURSE_001",
        date(2023, 9, 4),
        date(2024, 1, 26),
    )


# v1p2_full_dataset.zip (1.2 bulk, broken on purpose). Every issue, file by file:
# - manifest.csv lines 21-23: file.scoreScales, file.userProfiles, file.userResources have
#   an empty mode (manifest_mode ×3, read as absent).
# - userprofiles.csv: wrong case (file_name_case) and present though absent per the
#   manifest (file_marked_absent); it is not read (its body is a copy of roles.csv).
# - orgs.csv, academicSessions.csv, classes.csv: as in Test_full_data_set (6 issues).
# - roles.csv: header 'dataLastModified' (unknown_columns, line 1) and two trailing empty
#   header cells (empty_header_columns, line 1); 7 rows with status (bulk_status).
#   dateLastModified is not required in bulk, so the file reads: John teacher (primary)
#   + guardian (secondary); Mary, mmichel, Anna student; Jim teacher; Thomas only a
#   secondary siteAdministrator.
# - users.csv: 'preffered*' ×3 (one unknown_columns, line 1); 5 rows with status or
#   dateLastModified (bulk_status); those 5 dates like '1/05/2023' (invalid_datetime);
#   6 × TRUE (boolean_case); Thomas line 4 has no primary role (primary_role).
#   Agents: line 3 Mary(student)→John(guardian) and line 6 mmichel(student)→John are
#   links; line 4 Thomas(siteAdministrator)→Mary, line 5 Jim(teacher)→John and line 7
#   Anna(student)→Jim(teacher) are agent_ignored. Every roles.csv row runs 2024-03-06 to
#   2025-09-23, long past: all 6 users hold only stale roles, kept (stale_role_dates).
# - enrollments.csv: 6 rows with status (bulk_status).
# - Scopes: users+roles bulk → accounts; orgs+classes → nodes; enrollments; guardian
#   links; courses absent → no groups scope. 24 issues in all.
def test_catalyst_v1p2_full_dataset(read: Callable[..., Any], external: Path) -> None:
    result = read(external / CATALYST / "v1p2_full_dataset.zip")
    assert summary(result) == {
        "enabled": 6,
        "disabled": 0,
        "roles": Counter({"student": 3, "teacher": 2, "guardian": 1, "siteAdministrator": 1}),
        "orgs": Counter({"department": 1, "class": 1}),
        "groups": Counter({"subject": 1}),
        "memberships": Counter({"student": 4, "teacher": 2}),
        "links": {(JOHN, MARY), (JOHN, MMICHEL)},
        "scopes": ["accounts", "nodes", "memberships", "guardian_links"],
    }
    assert result.codes() == sorted(
        [
            ("warning", "manifest_mode", "manifest.csv", 21),
            ("warning", "manifest_mode", "manifest.csv", 22),
            ("warning", "manifest_mode", "manifest.csv", 23),
            ("warning", "file_name_case", "userprofiles.csv", None),
            ("warning", "file_marked_absent", "userprofiles.csv", None),
            ("warning", "unresolved_reference", "orgs.csv", 2),
            ("warning", "bulk_status", "orgs.csv", 2),
            ("warning", "bulk_status", "academicSessions.csv", 2),
            ("warning", "status_inactive", "academicSessions.csv", 4),
            ("warning", "bulk_status", "classes.csv", 2),
            ("warning", "vocabulary_case", "classes.csv", 2),
            ("warning", "unknown_columns", "roles.csv", 1),
            ("warning", "empty_header_columns", "roles.csv", 1),
            ("warning", "bulk_status", "roles.csv", 2),
            ("warning", "unknown_columns", "users.csv", 1),
            ("warning", "bulk_status", "users.csv", 2),
            ("warning", "invalid_datetime", "users.csv", 2),
            ("warning", "boolean_case", "users.csv", 2),
            ("warning", "primary_role", "users.csv", 4),
            ("warning", "stale_role_dates", "users.csv", 2),  # every role ended 2025-09-23
            ("info", "agent_ignored", "users.csv", 4),
            ("info", "agent_ignored", "users.csv", 5),
            ("info", "agent_ignored", "users.csv", 7),
            ("warning", "bulk_status", "enrollments.csv", 2),
        ]
    )
    assert result.person(JOHN).roles == (
        RoleClaim("teacher", SCHOOL),
        RoleClaim("guardian", SCHOOL),
    )
    assert result.person(THOMAS).roles == (RoleClaim("siteAdministrator", SCHOOL),)
    assert result.person(JIM).orgs == (SCHOOL,)
    typo = next(i for i in result.issues if i.code == "unknown_columns" and i.file == "users.csv")
    assert "prefferedGivenName (did you mean preferredGivenName?)" in typo.message
    dates = next(i for i in result.issues if i.code == "invalid_datetime")
    assert "5 value(s)" in dates.message and "'1/05/2023'" in dates.message
    stale = next(i for i in result.issues if i.code == "stale_role_dates")
    assert stale.message.startswith("6 user(s) hold only roles.csv roles")


# oat-sa OneRosterv1p1BaseCSV/ (a directory, 1.1, every file bulk):
# - orgs.csv: metadata.* ×3 + ext_imagineLearning_databaseId (extension_columns, line 1);
#   two schools, 12345 (line 2, parent 54321 on line 3: a forward reference that
#   resolves) with status and dateLastModified (bulk_status).
# - academicSessions.csv: header only, no rows (schoolYear missing: not needed).
# - courses.csv: header only; schoolYearId and grade are vendor names (column_alias),
#   metadata.duration (extension_columns).
# - classes.csv: grade (column_alias), ext_* (extension_columns); 3 scheduled classes,
#   each naming term '1' that the empty bulk academicSessions.csv lacks
#   (unresolved_reference warnings on lines 2, 3, 4); class1 has a status (bulk_status).
# - users.csv: enabledUser before status; userId and agents are vendor names
#   (column_alias); 7 ext_* columns (extension_columns); 2 students, TRUE (boolean_case).
# - enrollments.csv: reordered columns; lines 2 and 4 say 'active' (bulk_status);
#   3 student memberships.
# - demographics.csv: not read (demographics_ignored).
# - Scopes: every needed file is bulk, courses too → all five.
def test_oat_base_csv_directory(read: Callable[..., Any], external: Path) -> None:
    result = read(external / "oat-oneroster-import" / "OneRosterv1p1BaseCSV")
    assert summary(result) == {
        "enabled": 2,
        "disabled": 0,
        "roles": Counter({"student": 2}),
        "orgs": Counter({"school": 2}),
        "groups": Counter({"subject": 3}),
        "memberships": Counter({"student": 3}),
        "links": set(),
        "scopes": ["accounts", "nodes", "groups", "memberships", "guardian_links"],
    }
    assert result.codes() == sorted(
        [
            ("info", "extension_columns", "orgs.csv", 1),
            ("warning", "bulk_status", "orgs.csv", 2),
            ("warning", "column_alias", "courses.csv", 1),
            ("info", "extension_columns", "courses.csv", 1),
            ("warning", "column_alias", "classes.csv", 1),
            ("info", "extension_columns", "classes.csv", 1),
            ("warning", "unresolved_reference", "classes.csv", 2),
            ("warning", "unresolved_reference", "classes.csv", 3),
            ("warning", "unresolved_reference", "classes.csv", 4),
            ("warning", "bulk_status", "classes.csv", 2),
            ("warning", "column_alias", "users.csv", 1),
            ("info", "extension_columns", "users.csv", 1),
            ("warning", "boolean_case", "users.csv", 2),
            ("info", "demographics_ignored", "demographics.csv", None),
            ("warning", "bulk_status", "enrollments.csv", 2),
        ]
    )
    assert [(o.key, o.parent) for o in result.orgs] == [("12345", "54321"), ("54321", "")]
    assert result.person("user1").username == "ionut"
    assert result.person("user1").roles == (RoleClaim("student", "12345"),)
    assert [g.course for g in result.groups] == ["", "", ""]


def test_every_issue_names_its_file(read: Callable[..., Any], external: Path) -> None:
    packages = [
        *sorted((external / CATALYST).glob("*.zip")),
        external / "oat-oneroster-import" / "OneRosterv1p1BaseCSV",
    ]
    for path in packages:
        for issue in read(path).issues:
            assert issue.file.endswith(".csv"), issue
            assert issue.line is None or issue.line >= 1
