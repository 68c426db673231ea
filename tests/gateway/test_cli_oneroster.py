"""OneRoster packages end to end through the CLI, on SQLite and PostgreSQL: the store they leave.

The expected stores below are counted by hand from the CSVs (``unzip -p PKG FILE | cat -A | nl``),
not from the engine's output; the comment above each test says how.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased

from gateway.store import models as m
from gateway.store.db import make_engine
from tests.oneroster.conftest import manifest_text
from tests.support import databases
from tests.support.cli import Cli
from tests.support.fixtures import EXTERNAL
from tests.support.packages import (
    CLASSES,
    COURSES,
    ENROLLMENTS,
    ORGS,
    SESSIONS,
    USERS,
    User,
    World,
    nordby,
)

CATALYST = EXTERNAL / "oneroster" / "catalyst-moodle-enrol-oneroster"
OAT = EXTERNAL / "oneroster" / "oat-oneroster-import" / "OneRosterv1p1BaseCSV"
SDS = EXTERNAL / "oneroster" / "ms-sds-samples" / "SDS_v2"
LISTINGS = ("accounts", "nodes", "groups", "memberships")
JOHN, MARY, THOMAS = "usr-222-123456", "usr-222-66778899", "usr-222-1234561"
JIM, MMICHEL, ANNA = "usr-222-987654", "usr-222-1234561232", "usr-222-567891"
DEPT = ["History Department"]
STAMP = "2026-09-01T08:00:00.000Z"  # dateLastModified of the delta rows
JIM_DIFFERS = (
    "1 person(s) hold a class role that matches another profile than their register role: the "
    "register's role decided the profile, the class role only the membership's role (first: "
    f"{JIM!r}, Staff, class roles 'student')"
)


# --- helpers -------------------------------------------------------------------------------


def imported(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    """Import a package that must apply (exit 0) and return its report."""
    result = cli("import", path, "--json", *args)
    assert result.code == 0, result.err or result.out
    report: dict[str, Any] = result.json()
    assert report["state"] == "applied"
    return report


def imported_again(cli: Cli, path: Path, *args: str) -> None:
    """Import the same package again: nothing changes, in the report or in the store."""
    before = store(cli)
    report = imported(cli, path, *args)
    assert {e: c for e, c in counts(report).items() if set(c) - {"unchanged", "skipped"}} == {}
    assert store(cli) == before


def store(cli: Cli) -> dict[str, list[dict[str, Any]]]:
    """Every `list … --json` output in a fixed order: the whole store as the CLI shows it."""
    return {
        what: sorted(cli.json("list", what), key=lambda row: json.dumps(row, sort_keys=True))
        for what in LISTINGS
    }


def accounts(cli: Cli) -> dict[str, tuple[Any, ...]]:
    """sync key → (username, name, email, profile, status, nodes)."""
    return {
        a["sync_key"]: (
            a["username"],
            f"{a['given_name']} {a['family_name']}",
            a["email"],
            a["profile"],
            a["status"],
            a["nodes"],
        )
        for a in cli.json("list", "accounts")
    }


def nodes(cli: Cli) -> list[tuple[str, str, str, str]]:
    """(path, kind, status, key) of every node, by path."""
    return [(n["path"], n["kind"], n["status"], n["sync_key"]) for n in cli.json("list", "nodes")]


def groups(cli: Cli) -> list[tuple[Any, ...]]:
    """(name, kind, school, class node, status, members) of every group, by name."""
    rows = [
        (g["name"], g["kind"], g["school"], g["node"], g["status"], g["members"])
        for g in cli.json("list", "groups")
    ]
    return sorted(rows, key=lambda row: row[:2])  # the CLI orders by name only


def memberships(cli: Cli) -> list[tuple[str, str, str]]:
    """(group name, username, hierarchy role) of every membership, sorted."""
    return sorted(
        (r["group_name"], r["username"], r["role"]) for r in cli.json("list", "memberships")
    )


@contextmanager
def opened(url: str) -> Iterator[Engine]:
    """An engine on a store, disposed afterwards."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def links(url: str) -> set[tuple[str, str]]:
    """(guardian username, student username) of every active guardian link (no CLI lists them)."""
    guardian, student = aliased(m.Account), aliased(m.Account)
    query = (
        select(guardian.username, student.username)
        .select_from(m.GuardianLink)
        .join(guardian, m.GuardianLink.guardian_id == guardian.id)
        .join(student, m.GuardianLink.student_id == student.id)
        .where(m.GuardianLink.status == "active")
    )
    with opened(url) as engine, engine.connect() as conn:
        return {(g, s) for g, s in conn.execute(query)}


def issues(report: dict[str, Any]) -> list[tuple[str, str, str, int | None]]:
    """(severity, code, file, line) of every issue, sorted."""
    return sorted((i["severity"], i["code"], i["file"], i["line"]) for i in report["issues"])


def about(report: dict[str, Any], code: str) -> list[tuple[str, str]]:
    """(key, message) of the issues with one code."""
    return [(i["key"], i["message"]) for i in report["issues"] if i["code"] == code]


def counts(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The report's non-zero counts per entity."""
    return {e: {k: n for k, n in c.items() if n} for e, c in report["counts"].items()}


def package(folder: Path, version: str, files: dict[str, str], **modes: str) -> Path:
    """Write a package folder: the CSVs (dedented) and a manifest naming every version file."""
    folder.mkdir(parents=True)
    texts = {f"{name}.csv": textwrap.dedent(text).lstrip("\n") for name, text in files.items()}
    texts["manifest.csv"] = manifest_text(version, texts, modes)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


@pytest.fixture
def switch_store(
    database_url: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[], str]:
    """Point the CLI at another fresh store of the same kind as this test's; return its URL."""

    def switch() -> str:
        if database_url.startswith("sqlite"):
            folder = tmp_path / "other-store"
            folder.mkdir()
            url = databases.sqlite_copy(sqlite_template, folder)
        else:
            url = databases.postgres_copy(request.getfixturevalue("postgres_admin_url"))
        monkeypatch.setenv("ROSTERGATE_DATABASE_URL", url)
        return url

    return switch


# --- 1. every public package that claims to be OneRoster ----------------------------------
# Each is imported twice: the second import changes nothing, in the report or in the store.

# The catalyst packages share their people (users.csv lines 2-7, all enabledUser TRUE):
# John Doe teacher, Mary Jones student, Thomas Jones parent, Jim Smith teacher, mmichel Jones
# student, Anna Brown student, every one at org-sch-222-456, a *department* (History
# Department): no school node exists, so groups have no school. The enrollments (6 rows) put
# John (teacher), Jim (student!) and mmichel (student) in cls-222-123456 (scheduled:
# "Introduction to Physics") and in cls-222-123478 (homeroom "History - 2"). Jim is a teacher
# enrolled as a student: his users.csv role decides (Staff), his membership role follows the
# enrollment (student), and a class_role_differs note counts him.


# Test_full_data_set.zip (1.1 bulk, courses absent):
# - nodes: 1 (the department; its parent org-sch-222-3456 is not in orgs.csv: the reader warns
#   and the engine warns again as it places the node at the top). The homeroom is tobedeleted:
#   no class node, no class group, and its 3 enrollments are skipped.
# - groups: 1 subject group (physics), its course crs-222-2023-456-12345 in no file (engine).
# - accounts: 6, e-mails from the email column; Thomas (parent) is Guardian; every account is
#   placed at the department.
# - memberships: 3 created (physics: John teacher, Jim and mmichel student), 3 skipped.
# - guardian links: 1 (users.csv line 4: Thomas (parent) lists Mary (student)); the other four
#   agentSourcedIds (lines 3, 5, 6, 7) pair no guardian with a student (agent_ignored).
# - issues: the reader's 13 (see tests/oneroster) + 3 from the engine (marked).
def test_catalyst_full_data_set(cli: Cli, database_url: str) -> None:
    report = imported(cli, CATALYST / "Test_full_data_set.zip", "--format", "oneroster")
    assert counts(report) == {
        "accounts": {"created": 6},
        "nodes": {"created": 1},
        "groups": {"created": 1},
        "memberships": {"created": 3, "skipped": 3},
        "guardian_links": {"created": 1},
    }
    assert accounts(cli) == {
        JOHN: ("john.doe", "John Doe", "john.doe@myschool.com", "Staff", "active", DEPT),
        MARY: ("mary.jones", "Mary Jones", "mary.jones@myschool.com", "Student", "active", DEPT),
        THOMAS: (
            "thomas.joness",
            "Thomas Jones",
            "thomas.jones@testemail.com",
            "Guardian",
            "active",
            DEPT,
        ),
        JIM: ("jim.smith", "Jim Smith", "jim.smith@myschool.com", "Staff", "active", DEPT),
        MMICHEL: (
            "mmichel.jones",
            "mmichel Jones",
            "mmichel.jones2@myschool.com",
            "Student",
            "active",
            DEPT,
        ),
        ANNA: ("anna.brown", "Anna Brown", "anna.brown@myschool.com", "Student", "active", DEPT),
    }
    assert nodes(cli) == [("History Department", "department", "active", "org-sch-222-456")]
    assert groups(cli) == [("Introduction to Physics", "subject", None, None, "active", 3)]
    assert memberships(cli) == [
        ("Introduction to Physics", "jim.smith", "student"),
        ("Introduction to Physics", "john.doe", "teacher"),
        ("Introduction to Physics", "mmichel.jones", "student"),
    ]
    assert links(database_url) == {("thomas.joness", "mary.jones")}
    assert issues(report) == sorted(
        [
            ("warning", "unresolved_reference", "orgs.csv", 2),
            ("warning", "unresolved_reference", "orgs.csv", 2),  # engine: placed at the top
            ("warning", "bulk_status", "orgs.csv", 2),
            ("warning", "bulk_status", "academicSessions.csv", 2),
            ("warning", "status_inactive", "academicSessions.csv", 4),
            ("warning", "bulk_status", "classes.csv", 2),
            ("warning", "vocabulary_case", "classes.csv", 2),
            ("warning", "unresolved_reference", "classes.csv", 2),  # engine: no such course
            ("warning", "bulk_status", "users.csv", 2),
            ("warning", "boolean_case", "users.csv", 2),
            ("info", "agent_ignored", "users.csv", 3),
            ("info", "agent_ignored", "users.csv", 5),
            ("info", "agent_ignored", "users.csv", 6),
            ("info", "agent_ignored", "users.csv", 7),
            ("info", "class_role_differs", "", None),  # engine: Jim
            ("warning", "bulk_status", "enrollments.csv", 2),
            ("info", "group_deleted", "enrollments.csv", None),  # engine: the tobedeleted homeroom
        ]
    )
    assert about(report, "class_role_differs") == [("", JIM_DIFFERS)]
    engine_refs = [k for k, msg in about(report, "unresolved_reference") if "or the store" in msg]
    assert engine_refs == ["org-sch-222-456", "cls-222-123456"]
    imported_again(cli, CATALYST / "Test_full_data_set.zip", "--format", "oneroster")


# Test_minimal_data_set.zip (1.1 bulk): the same six people with most optional cells empty.
# - nodes: 2: the department (no parent this time) and the homeroom cls-222-123478 "History -
#   2", live and without grades, so straight under the department.
# - groups: 2: the class group of "History - 2" (node = that class) and physics (its course
#   is in no file: engine warning). No school: the department is not one.
# - accounts: 6, every email empty. John, Jim and mmichel are in the class, so their deepest
#   path is the class; Mary, Thomas and Anna are only placed at the department.
# - memberships: all 6 enrollments land (3 per group); no agents, so no links.
def test_catalyst_minimal_data_set(cli: Cli, database_url: str) -> None:
    report = imported(cli, CATALYST / "Test_minimal_data_set.zip", "--format", "oneroster")
    assert counts(report) == {
        "accounts": {"created": 6},
        "nodes": {"created": 2},
        "groups": {"created": 2},
        "memberships": {"created": 6},
        "guardian_links": {},
    }
    in_class = ["History Department/History - 2"]
    assert accounts(cli) == {
        JOHN: ("john.doe", "John Doe", "", "Staff", "active", in_class),
        MARY: ("mary.jones", "Mary Jones", "", "Student", "active", DEPT),
        THOMAS: ("thomas.joness", "Thomas Jones", "", "Guardian", "active", DEPT),
        JIM: ("jim.smith", "Jim Smith", "", "Staff", "active", in_class),
        MMICHEL: ("mmichel.jones", "mmichel Jones", "", "Student", "active", in_class),
        ANNA: ("anna.brown", "Anna Brown", "", "Student", "active", DEPT),
    }
    assert nodes(cli) == [
        ("History Department", "department", "active", "org-sch-222-456"),
        ("History Department/History - 2", "class", "active", "cls-222-123478"),
    ]
    assert groups(cli) == [
        ("History - 2", "class", None, "History Department/History - 2", "active", 3),
        ("Introduction to Physics", "subject", None, None, "active", 3),
    ]
    assert memberships(cli) == [
        ("History - 2", "jim.smith", "student"),
        ("History - 2", "john.doe", "teacher"),
        ("History - 2", "mmichel.jones", "student"),
        ("Introduction to Physics", "jim.smith", "student"),
        ("Introduction to Physics", "john.doe", "teacher"),
        ("Introduction to Physics", "mmichel.jones", "student"),
    ]
    assert links(database_url) == set()
    assert issues(report) == [
        ("info", "class_role_differs", "", None),  # engine: Jim
        ("warning", "boolean_case", "users.csv", 2),
        ("warning", "unresolved_reference", "classes.csv", 2),  # engine: no such course
        ("warning", "vocabulary_case", "classes.csv", 2),
    ]
    imported_again(cli, CATALYST / "Test_minimal_data_set.zip", "--format", "oneroster")


# oneroster_test_data.zip (1.2, every file delta), imported without --format (detected): one
# row per file. ORG_1 "Gotham High School" (school); COURSE_001 "Crime Fighting 101" (course
# at ORG_1); CLASS_001 "Basic Detection" (scheduled, course COURSE_001); USER_0 Bruce Wayne,
# username brucewayne, no email, roles.csv ROLE_8 primary student at ORG_1 → Student placed
# at the school; ENROLLMENT_001 student in CLASS_001. Delta: no Scope, nothing to remove.
def test_catalyst_oneroster_test_data_detected(cli: Cli) -> None:
    report = imported(cli, CATALYST / "oneroster_test_data.zip")
    assert counts(report) == {
        "accounts": {"created": 1},
        "nodes": {"created": 1},
        "groups": {"created": 2},
        "memberships": {"created": 1},
        "guardian_links": {},
    }
    assert cli.json("runs")[0]["format"] == "oneroster"
    assert accounts(cli) == {
        "USER_0": (
            "brucewayne",
            "Bruce Wayne",
            "",
            "Student",
            "active",
            ["Gotham High School"],
        )
    }
    assert nodes(cli) == [("Gotham High School", "school", "active", "ORG_1")]
    assert groups(cli) == [
        ("Basic Detection", "subject", "Gotham High School", None, "active", 1),
        ("Crime Fighting 101", "course", "Gotham High School", None, "active", 0),
    ]
    assert memberships(cli) == [("Basic Detection", "brucewayne", "student")]
    assert issues(report) == [
        ("info", "demographics_ignored", "demographics.csv", None),
        ("info", "file_ignored", "userProfiles.csv", None),
        ("warning", "boolean_case", "users.csv", 2),
    ]
    imported_again(cli, CATALYST / "oneroster_test_data.zip")


# v1p2_full_dataset.zip (1.2 bulk, broken on purpose): the full data set's rows with a
# roles.csv instead of users.role.
# - roles.csv (read although its header says dataLastModified): John primary teacher +
#   secondary guardian; Thomas only a secondary siteAdministrator → Administrator (50); Jim
#   teacher (and enrolled as student: Staff, a class_role_differs note); Mary, mmichel, Anna
#   student.
# - links: 2, users.csv line 3 (Mary lists John, who holds guardian) and line 6 (mmichel lists
#   John); John is Staff (30) over Guardian (12): a multiple_roles note for him.
# - nodes, groups and memberships as in Test_full_data_set (the homeroom is tobedeleted).
# - issues: the reader's 23 (see tests/oneroster) + 4 from the engine (marked).
def test_catalyst_v1p2_full_dataset(cli: Cli, database_url: str) -> None:
    report = imported(cli, CATALYST / "v1p2_full_dataset.zip", "--format", "oneroster")
    assert counts(report) == {
        "accounts": {"created": 6},
        "nodes": {"created": 1},
        "groups": {"created": 1},
        "memberships": {"created": 3, "skipped": 3},
        "guardian_links": {"created": 2},
    }
    assert {key: row[3] for key, row in accounts(cli).items()} == {
        JOHN: "Staff",
        MARY: "Student",
        THOMAS: "Administrator",
        JIM: "Staff",
        MMICHEL: "Student",
        ANNA: "Student",
    }
    assert {row[4] for row in accounts(cli).values()} == {"active"}
    assert {tuple(row[5]) for row in accounts(cli).values()} == {tuple(DEPT)}
    assert accounts(cli)[THOMAS][:3] == (
        "thomas.joness",
        "Thomas Jones",
        "thomas.jones@testemail.com",
    )
    assert nodes(cli) == [("History Department", "department", "active", "org-sch-222-456")]
    assert groups(cli) == [("Introduction to Physics", "subject", None, None, "active", 3)]
    assert memberships(cli) == [
        ("Introduction to Physics", "jim.smith", "student"),
        ("Introduction to Physics", "john.doe", "teacher"),
        ("Introduction to Physics", "mmichel.jones", "student"),
    ]
    assert links(database_url) == {("john.doe", "mary.jones"), ("john.doe", "mmichel.jones")}
    assert issues(report) == sorted(
        [
            ("warning", "manifest_mode", "manifest.csv", 21),
            ("warning", "manifest_mode", "manifest.csv", 22),
            ("warning", "manifest_mode", "manifest.csv", 23),
            ("warning", "file_name_case", "userprofiles.csv", None),
            ("warning", "file_marked_absent", "userprofiles.csv", None),
            ("warning", "unresolved_reference", "orgs.csv", 2),
            ("warning", "unresolved_reference", "orgs.csv", 2),  # engine: placed at the top
            ("warning", "bulk_status", "orgs.csv", 2),
            ("warning", "bulk_status", "academicSessions.csv", 2),
            ("warning", "status_inactive", "academicSessions.csv", 4),
            ("warning", "bulk_status", "classes.csv", 2),
            ("warning", "vocabulary_case", "classes.csv", 2),
            ("warning", "unresolved_reference", "classes.csv", 2),  # engine: no such course
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
            ("info", "multiple_roles", "users.csv", 2),  # engine: John
            ("info", "class_role_differs", "", None),  # engine: Jim
            ("warning", "bulk_status", "enrollments.csv", 2),
            ("info", "group_deleted", "enrollments.csv", None),  # engine: the tobedeleted homeroom
        ]
    )
    assert sorted(about(report, "multiple_roles")) == [  # guardians are planned last
        (JOHN, "roles match Staff (30), Guardian (12); given Staff, the highest"),
    ]
    assert about(report, "class_role_differs") == [("", JIM_DIFFERS)]
    imported_again(cli, CATALYST / "v1p2_full_dataset.zip", "--format", "oneroster")


# oat-sa OneRosterv1p1BaseCSV/ (a folder, 1.1, every file bulk), imported without --format:
# - orgs.csv: 12345 "School 1" (line 2) whose parent is 54321 "School 2" (line 3): two school
#   nodes, School 1 below School 2.
# - classes.csv: 3 scheduled classes without a course → 3 subject groups, class1 and class2 at
#   12345, class3 at 54321 (their term '1' is not in the empty academicSessions.csv).
# - users.csv: user1 "ionut padurariu" at 12345 and user2 "ionut2 padurariu" at 54321, both
#   students, TRUE, no email column value.
# - enrollments.csv: enrol1/enrol2 put user1 in class1/class2, enrol3 user2 in class3.
# - issues: the reader's 15; the engine adds none.
def test_oat_base_csv_folder_detected(cli: Cli, database_url: str) -> None:
    report = imported(cli, OAT)
    assert counts(report) == {
        "accounts": {"created": 2},
        "nodes": {"created": 2},
        "groups": {"created": 3},
        "memberships": {"created": 3},
        "guardian_links": {},
    }
    assert accounts(cli) == {
        "user1": ("ionut", "ionut padurariu", "", "Student", "active", ["School 2/School 1"]),
        "user2": ("ionut2", "ionut2 padurariu", "", "Student", "active", ["School 2"]),
    }
    assert nodes(cli) == [
        ("School 2", "school", "active", "54321"),
        ("School 2/School 1", "school", "active", "12345"),
    ]
    assert groups(cli) == [
        ("Class 1 title", "subject", "School 2/School 1", None, "active", 1),
        ("Class 2 title", "subject", "School 2/School 1", None, "active", 1),
        ("Class 3 title", "subject", "School 2", None, "active", 1),
    ]
    assert memberships(cli) == [
        ("Class 1 title", "ionut", "student"),
        ("Class 2 title", "ionut", "student"),
        ("Class 3 title", "ionut2", "student"),
    ]
    assert links(database_url) == set()
    assert issues(report) == sorted(
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
    imported_again(cli, OAT)


# SDS v2 is not OneRoster: no manifest, and users.csv has no enabledUser column
# (`oneroster.sniff` says False). Detection must not hand it to the OneRoster reader, which
# would read 27 of its 29 users leniently; without a format it must write nothing.
def test_sds_v2_is_not_detected_as_oneroster(cli: Cli) -> None:
    result = cli("import", SDS, "--json")
    assert result.code in (1, 2)
    assert store(cli) == {what: [] for what in LISTINGS}


# --- 2. OneRoster 1.1 and 1.2 of the same district -----------------------------------------

COMMON = {
    "orgs": f"""
        {ORGS}
        D1,,,Nordby kommune,district,,
        S1,,,Nordby skole,school,,D1
        S2,,,Sørby skole,school,,D1
        """,
    "academicSessions": f"""
        {SESSIONS}
        Y26,,,2026/27,schoolYear,2026-08-15,2027-06-20,,2027
        H26,,,Høst 2026,term,2026-08-15,2026-12-20,Y26,2027
        """,
    "courses": f"""
        {COURSES}
        C-MAT8,,,Y26,Matematikk 8,MAT8,08,S1,Matematikk,MAT
        """,
    "classes": f"""
        {CLASSES}
        K-8A,,,8A,08,C-MAT8,8A,homeroom,,S1,H26,,,
        K-MAT8A,,,Matematikk 8A,08,C-MAT8,MAT8A,scheduled,,S1,H26,Matematikk,MAT,
        """,
    "enrollments": f"""
        {ENROLLMENTS}
        E1,,,K-8A,S1,U-T1,teacher,true,,
        E2,,,K-MAT8A,S1,U-T1,teacher,true,,
        E3,,,K-8A,S1,U-P1,student,false,,
        E4,,,K-MAT8A,S1,U-P1,student,false,,
        E5,,,K-8A,S1,U-P2,student,false,,
        """,
}
DISTRICT_11 = {
    **COMMON,
    "users": f"""
        {USERS}
        U-T1,,,true,S1,teacher,marit.haugen,,Marit,Haugen,,,marit@nordby.no,,,,,
        U-P1,,,true,S1,student,ase.odegard,,Åse,Ødegård,,,ase@nordby.no,,,U-G1,08,
        U-P2,,,true,S1,student,ola.dahl,,Ola,Dahl,,,,,,,08,
        U-P3,,,false,S2,student,kari.lie,,Kari,Lie,,,,,,,09,
        U-G1,,,true,S1,guardian,per.odegard,,Per,Ødegård,,,per@example.no,,,U-P1,,
        """,
}
USERS_12 = (
    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
    "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
    "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns"
)
ROLES = (
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
    "orgSourcedId,userProfileSourcedId"
)
DISTRICT_12 = {
    **COMMON,
    "users": f"""
        {USERS_12}
        U-T1,,,true,marit.haugen,,Marit,Haugen,,,marit@nordby.no,,,,,,,,,,S1,
        U-P1,,,true,ase.odegard,,Åse,Ødegård,,,ase@nordby.no,,,U-G1,08,,,,,,S1,
        U-P2,,,true,ola.dahl,,Ola,Dahl,,,,,,,08,,,,,,S1,
        U-P3,,,false,kari.lie,,Kari,Lie,,,,,,,09,,,,,,S2,
        U-G1,,,true,per.odegard,,Per,Ødegård,,,per@example.no,,,U-P1,,,,,,,S1,
        """,
    "roles": f"""
        {ROLES}
        R-T1,,,U-T1,primary,teacher,,,S1,
        R-P1,,,U-P1,primary,student,,,S1,
        R-P2,,,U-P2,primary,student,,,S1,
        R-P3,,,U-P3,primary,student,,,S2,
        R-G1,,,U-G1,primary,guardian,,,S1,
        """,
}
NORDBY = "Nordby kommune/Nordby skole"
CLASS_8A = f"{NORDBY}/08/8A"


# The district by hand: D1 (district) owns S1 and S2; homeroom K-8A has one grade (08), so it
# sits under a year node S1/year/08 named "08"; K-MAT8A is a subject group of course C-MAT8.
# Teacher U-T1 and students U-P1, U-P2 are in 8A (U-T1 and U-P1 also in MAT8A); U-P3 at S2 is
# disabled (enabledUser false → locked); U-P1 and guardian U-G1 name each other as agents.
def test_the_same_district_in_1_1_and_1_2_gives_the_same_store(
    cli: Cli, tmp_path: Path, database_url: str, switch_store: Callable[[], str]
) -> None:
    v11 = imported(cli, package(tmp_path / "v11", "1.1", DISTRICT_11))
    assert counts(v11) == {
        "accounts": {"created": 5},
        "nodes": {"created": 5},
        "groups": {"created": 3},
        "memberships": {"created": 5},
        "guardian_links": {"created": 1},
    }
    assert accounts(cli) == {
        "U-T1": ("marit.haugen", "Marit Haugen", "marit@nordby.no", "Staff", "active", [CLASS_8A]),
        "U-P1": ("ase.odegard", "Åse Ødegård", "ase@nordby.no", "Student", "active", [CLASS_8A]),
        "U-P2": ("ola.dahl", "Ola Dahl", "", "Student", "active", [CLASS_8A]),
        "U-P3": ("kari.lie", "Kari Lie", "", "Student", "locked", ["Nordby kommune/Sørby skole"]),
        "U-G1": ("per.odegard", "Per Ødegård", "per@example.no", "Guardian", "active", [NORDBY]),
    }
    assert nodes(cli) == [
        ("Nordby kommune", "school_owner", "active", "D1"),
        (NORDBY, "school", "active", "S1"),
        (f"{NORDBY}/08", "year", "active", "S1/year/08"),
        (CLASS_8A, "class", "active", "K-8A"),
        ("Nordby kommune/Sørby skole", "school", "active", "S2"),
    ]
    assert groups(cli) == [
        ("8A", "class", NORDBY, CLASS_8A, "active", 3),
        ("Matematikk 8", "course", NORDBY, None, "active", 0),
        ("Matematikk 8A", "subject", NORDBY, None, "active", 2),
    ]
    assert memberships(cli) == [
        ("8A", "ase.odegard", "student"),
        ("8A", "marit.haugen", "teacher"),
        ("8A", "ola.dahl", "student"),
        ("Matematikk 8A", "ase.odegard", "student"),
        ("Matematikk 8A", "marit.haugen", "teacher"),
    ]
    assert links(database_url) == {("per.odegard", "ase.odegard")}
    first = store(cli)

    other = switch_store()
    v12 = imported(cli, package(tmp_path / "v12", "1.2", DISTRICT_12))
    assert store(cli) == first
    assert links(other) == {("per.odegard", "ase.odegard")}
    assert counts(v12) == counts(v11)
    assert v11["issues"] == v12["issues"] == []


# --- 3. a bulk package, then a delta -------------------------------------------------------

DELTA_ENROLLMENTS = f"""
    {ENROLLMENTS}
    E-P2-MAT8-student,tobedeleted,{STAMP},MAT8,S1,P2,student,,,
    E-P11-8A-student,active,{STAMP},8A,S1,P11,student,,,
    """


# Bulk: nordby(10) = S1, homeroom 8A, course C-MAT8 and subject MAT8; teacher T1, students
# P1-P10 (in 8A and MAT8), guardians G1, G2: 13 accounts, 22 memberships, 2 links.
# Delta (users and enrollments delta, the rest absent): users.csv P1 with a new e-mail and a
# new student P11 (status active, dateLastModified set); enrollments.csv P2 out of MAT8
# (tobedeleted) and P11 into 8A. Removing 1 of 22 memberships stays under the 10 % threshold.
def test_a_delta_after_a_bulk_package_touches_only_what_it_names(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    imported(cli, nordby(10).write(tmp_path / "bulk"))
    before = store(cli)
    links_before = links(database_url)
    assert links_before == {("PeOd", "AsOd"), ("LiDa", "OlDa")}
    delta = package(
        tmp_path / "delta",
        "1.1",
        {
            "users": f"""
                {USERS}
                P1,active,{STAMP},true,S1,student,,,Åse,Ødegård,,,ase.odegard@nordby.no,,,,,
                P11,active,{STAMP},true,S1,student,tiril.vik,,Tiril,Vik,,,p11@nordby.no,,,,,
                """,
            "enrollments": DELTA_ENROLLMENTS,
        },
        users="delta",
        enrollments="delta",
    )
    report = imported(cli, delta)
    assert counts(report) == {
        "accounts": {"created": 1, "updated": 1},
        "nodes": {},
        "groups": {},
        "memberships": {"created": 1, "removed": 1},
        "guardian_links": {},
    }
    # P2 is not in the delta's users.csv: the reader says it may be in the store (it is).
    assert issues(report) == [("warning", "unresolved_reference", "enrollments.csv", 2)]
    after = store(cli)
    assert after["nodes"] == before["nodes"]
    was = {g["sync_key"]: g for g in before["groups"]}
    assert {g["sync_key"]: g for g in after["groups"]} == {
        **was,
        "8A": {**was["8A"], "members": was["8A"]["members"] + 1},
        "MAT8": {**was["MAT8"], "members": was["MAT8"]["members"] - 1},
    }
    old = {a["sync_key"]: a for a in before["accounts"]}
    new = {a["sync_key"]: a for a in after["accounts"]}
    assert set(new) == {*old, "P11"}
    assert {k: a for k, a in new.items() if k not in ("P1", "P11")} == {
        k: a for k, a in old.items() if k != "P1"
    }
    assert new["P1"] == {**old["P1"], "email": "ase.odegard@nordby.no"}
    assert accounts(cli)["P11"] == (
        "tiril.vik",
        "Tiril Vik",
        "p11@nordby.no",
        "Student",
        "active",
        ["Nordby skole/8A"],
    )
    added = ("8A", "tiril.vik", "student")
    removed = ("Matematikk 8", "OlDa", "student")  # P2 Ola Dahl, generated username
    listed = [(r["group_name"], r["username"], r["role"]) for r in before["memberships"]]
    assert len(listed) == 22 and removed in listed and added not in listed
    assert memberships(cli) == sorted([*[r for r in listed if r != removed], added])
    assert links(database_url) == links_before
    changes = cli.json("changes", report["run"])
    assert [(c["entity"], c["key"], c["action"]) for c in changes] == [
        ("accounts", "P11", "create"),
        ("memberships", changes[1]["key"], "create"),
        ("accounts", "P1", "update"),
        ("memberships", changes[3]["key"], "remove"),
    ]
    assert (changes[2]["key"], changes[2]["before"], changes[2]["after"]) == (
        "P1",
        {"email": "p1@nordby.no"},
        {"email": "ase.odegard@nordby.no"},
    )


# The 1.2 district (see above), then a 1.2 delta (users, roles and enrollments delta): U-P2
# gets an e-mail, new student U-P4 comes with a primary student role at S1 and an enrollment
# in 8A, and U-P1 leaves Matematikk 8A (tobedeleted). Nordby skole holds 5 memberships, so
# removing 1 (20 %) is over the 10 % threshold: held (exit 3), nothing written, until approved.
# (With the floor of removal_min = 2 one removal is never held: the test sets it to 1.)
def test_a_1_2_delta_held_by_the_threshold_applies_once_approved(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "rostergate.toml").write_text("removal_min = 1\n")
    imported(cli, package(tmp_path / "bulk", "1.2", DISTRICT_12))
    before = store(cli)
    delta = package(
        tmp_path / "delta",
        "1.2",
        {
            "users": f"""
                {USERS_12}
                U-P2,active,{STAMP},true,ola.dahl,,Ola,Dahl,,,ola@nordby.no,,,,08,,,,,,S1,
                U-P4,active,{STAMP},true,nora.olsen,,Nora,Olsen,,,,,,,08,,,,,,S1,
                """,
            "roles": f"""
                {ROLES}
                R-P4,active,{STAMP},U-P4,primary,student,,,S1,
                """,
            "enrollments": f"""
                {ENROLLMENTS}
                E4,tobedeleted,{STAMP},K-MAT8A,S1,U-P1,student,false,,
                E6,active,{STAMP},K-8A,S1,U-P4,student,false,,
                """,
        },
        users="delta",
        roles="delta",
        enrollments="delta",
    )
    result = cli("import", delta, "--json")
    assert result.code == 3, result.out
    held = result.json()
    assert held["state"] == "held"
    assert held["held"] == {
        "threshold": 0.1,
        "window_hours": 24.0,
        "minimum": 1,
        "reasons": [
            {
                "school": "Nordby skole",
                "entity": "memberships",
                "removing": 1,
                "of": 5,
                "window_removed": 0,
            }
        ],
    }
    # U-P1 is not in the delta's users.csv: the reader says it may be in the store (it is).
    assert issues(held) == [("warning", "unresolved_reference", "enrollments.csv", 2)]
    assert store(cli) == before

    approved = cli.json("approve", held["run"])
    assert approved["state"] == "applied"
    assert counts(approved) == {
        "accounts": {"created": 1, "updated": 1},
        "nodes": {},
        "groups": {},
        "memberships": {"created": 1, "removed": 1},
        "guardian_links": {},
    }
    got = accounts(cli)
    assert got["U-P2"] == ("ola.dahl", "Ola Dahl", "ola@nordby.no", "Student", "active", [CLASS_8A])
    assert got["U-P4"] == ("nora.olsen", "Nora Olsen", "", "Student", "active", [CLASS_8A])
    was = {a["sync_key"]: a for a in before["accounts"]}
    now = {a["sync_key"]: a for a in store(cli)["accounts"]}
    assert {k: now[k] for k in ("U-T1", "U-P1", "U-P3", "U-G1")} == {
        k: was[k] for k in ("U-T1", "U-P1", "U-P3", "U-G1")
    }
    assert memberships(cli) == [
        ("8A", "ase.odegard", "student"),
        ("8A", "marit.haugen", "teacher"),
        ("8A", "nora.olsen", "student"),
        ("8A", "ola.dahl", "student"),
        ("Matematikk 8A", "marit.haugen", "teacher"),
    ]


# --- 4. a bulk package that drops a student ------------------------------------------------


# nordby(10) twice, the second time without P3 (Kari Lie, generated username KaLi, in 8A and
# MAT8, no guardian): 1 of 13 accounts and 2 of 22 memberships go, under the 10 % threshold.
# The account expires (never deleted) and keeps its username; adding P3 back restores it.
def test_a_student_dropped_from_a_bulk_package_expires_and_comes_back(
    cli: Cli, tmp_path: Path
) -> None:
    world = nordby(10)
    imported(cli, world.write(tmp_path / "first"))
    before = accounts(cli)
    assert before["P3"] == (
        "KaLi",
        "Kari Lie",
        "p3@nordby.no",
        "Student",
        "active",
        ["Nordby skole/8A"],
    )

    dropped = imported(cli, world.without("P3").write(tmp_path / "second"))
    assert counts(dropped) == {
        "accounts": {"expired": 1, "unchanged": 12},
        "nodes": {"unchanged": 2},
        "groups": {"unchanged": 3},
        "memberships": {"removed": 2, "unchanged": 20},
        "guardian_links": {"unchanged": 2},
    }
    listed = {a["sync_key"]: a for a in cli.json("list", "accounts")}
    assert len(listed) == 13
    assert (listed["P3"]["username"], listed["P3"]["status"]) == ("KaLi", "expired")
    assert listed["P3"]["expired_at"] is not None
    assert {k: a["status"] for k, a in listed.items() if k != "P3"} == dict.fromkeys(
        set(listed) - {"P3"}, "active"
    )
    assert [r for r in memberships(cli) if r[1] == "KaLi"] == []
    assert len(memberships(cli)) == 20

    back = imported(cli, world.write(tmp_path / "third"))
    assert counts(back)["accounts"] == {"updated": 1, "unchanged": 12}
    assert counts(back)["memberships"] == {"updated": 2, "unchanged": 20}  # active again
    assert about(back, "restored") == [
        ("P3", "back in the feed: the expired account is active again")
    ]
    assert accounts(cli) == before
    assert [r for r in memberships(cli) if r[1] == "KaLi"] == [
        ("8A", "KaLi", "student"),
        ("Matematikk 8", "KaLi", "student"),
    ]
    assert {a["sync_key"]: a["expired_at"] for a in cli.json("list", "accounts")}["P3"] is None


# --- 5. guardians through agentSourcedIds --------------------------------------------------


# Three pairs at S1: P1 and G1 (guardian) name each other; only P2 names G2 (parent); only G3
# (relative, a row above P3's) names P3. Each pair is one link, each guardian is Guardian.
def test_agent_pairs_from_either_side_make_one_link_each(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    world = World(
        users=[
            User("P1", "Åse", "Ødegård", "student", username="ase", agents="G1"),
            User("G1", "Per", "Ødegård", "guardian", username="per", agents="P1"),
            User("P2", "Ola", "Dahl", "student", username="ola", agents="G2"),
            User("G2", "Liv", "Dahl", "parent", username="liv"),
            User("G3", "Eva", "Lie", "relative", username="eva", agents="P3"),
            User("P3", "Kari", "Lie", "student", username="kari"),
        ]
    )
    report = imported(cli, world.write(tmp_path / "guardians"))
    assert counts(report)["guardian_links"] == {"created": 3}
    assert report["issues"] == []
    assert links(database_url) == {("per", "ase"), ("liv", "ola"), ("eva", "kari")}
    profiles = {key: row[3] for key, row in accounts(cli).items()}
    assert profiles == {
        "P1": "Student",
        "P2": "Student",
        "P3": "Student",
        "G1": "Guardian",
        "G2": "Guardian",
        "G3": "Guardian",
    }


# --- 6. one user, two roles at two schools -------------------------------------------------


# 1.2, users and roles bulk, orgs bulk, the rest absent. X (Marit Haugen): primary teacher at
# SA, secondary siteAdministrator at SB → Administrator (50) over Staff (30), placed at both.
# Y (Ola Dahl): primary aide at SA, secondary teacher at SB → both Staff: no note.
def test_a_teacher_at_one_school_and_administrator_at_another(cli: Cli, tmp_path: Path) -> None:
    path = package(
        tmp_path / "roles",
        "1.2",
        {
            "orgs": f"""
                {ORGS}
                D1,,,Nordby kommune,district,,
                SA,,,Nordby skole,school,,D1
                SB,,,Sørby skole,school,,D1
                """,
            "users": f"""
                {USERS_12}
                X,,,true,marit,,Marit,Haugen,,,marit@nordby.no,,,,,,,,,,SA,
                Y,,,true,ola,,Ola,Dahl,,,,,,,,,,,,,SA,
                """,
            "roles": f"""
                {ROLES}
                R1,,,X,primary,teacher,,,SA,
                R2,,,X,secondary,siteAdministrator,,,SB,
                R3,,,Y,primary,aide,,,SA,
                R4,,,Y,secondary,teacher,,,SB,
                """,
        },
    )
    report = imported(cli, path)
    assert counts(report)["accounts"] == {"created": 2}
    both = [NORDBY, "Nordby kommune/Sørby skole"]
    assert accounts(cli) == {
        "X": ("marit", "Marit Haugen", "marit@nordby.no", "Administrator", "active", both),
        "Y": ("ola", "Ola Dahl", "", "Staff", "active", both),
    }
    assert issues(report) == [("info", "multiple_roles", "users.csv", 2)]
    assert about(report, "multiple_roles") == [
        ("X", "roles match Administrator (50), Staff (30); given Administrator, the highest")
    ]


# --- 7. zip hazards ------------------------------------------------------------------------


def _good_members(folder: Path) -> dict[str, bytes]:
    """The files of a good package, by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write members into a zip exactly as named (no name clean-up)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def _lying(path: Path, good: dict[str, bytes]) -> Path:
    """manifest.csv declares 1000 bytes in the central directory but inflates to 2 MB."""
    _zip(path, {**good, "manifest.csv": b"propertyName,value\n" + b"\n" * 2_000_000})
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")  # end of central directory: entry count and offset
    at = int.from_bytes(data[end + 16 : end + 20], "little")
    for _ in range(int.from_bytes(data[end + 10 : end + 12], "little")):
        name, extra, comment = (
            int.from_bytes(data[at + i : at + i + 2], "little") for i in (28, 30, 32)
        )
        if data[at + 46 : at + 46 + name] == b"manifest.csv":
            data[at + 24 : at + 28] = (1000).to_bytes(4, "little")  # uncompressed size
        at += 46 + name + extra + comment
    path.write_bytes(bytes(data))
    return path


def _nested(path: Path, good: dict[str, bytes]) -> Path:
    """A good package with a zip inside it."""
    inner = _zip(path.with_name("inner.zip"), good).read_bytes()
    return _zip(path, {**good, "inner.zip": inner})


def _truncated(path: Path, good: dict[str, bytes]) -> Path:
    """A good package's zip cut in half: no central directory left."""
    data = _zip(path, good).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _damaged(path: Path, good: dict[str, bytes]) -> Path:
    """users.csv stored uncompressed, one byte of it flipped: its CRC no longer matches."""
    _zip(path, good, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.index(b"Marit", data.index(b"users.csv"))  # a byte inside users.csv's data
    data[at] ^= 0x20
    path.write_bytes(bytes(data))
    return path


Builder = Callable[[Path, dict[str, bytes]], Path]


def _with(name: str, data: bytes) -> Builder:
    """A builder: a good package's zip with one more (or one replaced) member."""
    return lambda path, good: _zip(path, {**good, name: data})


def _crowded(path: Path, good: dict[str, bytes]) -> Path:
    """A good package with 250 more tiny members (at most 200 are read)."""
    return _zip(path, {**good, **{f"extra{i}.txt": b"" for i in range(250)}})


# name: how to build the zip from a good package's files; the FeedError's code, the file it
# names, and a piece of its message that tells which check caught it.
HAZARDS: dict[str, tuple[Builder, str, str, str]] = {
    "path_traversal": (
        _with("../evil.csv", b"x\n"),
        "zip_path_traversal",
        "hazard.zip",
        "member '../evil.csv' points outside the package",
    ),
    "absolute_path": (
        _with("/etc/evil.csv", b"x\n"),
        "zip_path_traversal",
        "hazard.zip",
        "member '/etc/evil.csv' points outside the package",
    ),
    "nested_zip": (_nested, "zip_nested", "hazard.zip", "member 'inner.zip' is an archive"),
    "too_many_members": (_crowded, "zip_bomb", "hazard.zip", "the zip has 257 members"),
    # 50 MB of zeros deflate about 1000:1; the limit is 100:1.
    "ratio_bomb": (
        _with("users.csv", bytes(50 * 1024 * 1024)),
        "zip_bomb",
        "hazard.zip",
        "member 'users.csv' inflates 1029 times (limit 100)",
    ),
    "lying_header": (_lying, "zip_bomb", "manifest.csv", "past the 1000 bytes its header declares"),
    "truncated": (_truncated, "zip_corrupt", "hazard.zip", "hazard.zip is a damaged zip"),
    "damaged_member": (_damaged, "zip_corrupt", "users.csv", "Bad CRC-32 for file 'users.csv'"),
}


# A good package first (nordby(2): 7 files, 5 accounts), then each hazardous zip: the run fails
# (exit 1, state failed) with the reader's FeedError as its one issue, and the store is unchanged.
@pytest.mark.parametrize("hazard", sorted(HAZARDS))
def test_a_hazardous_zip_fails_the_run_and_writes_nothing(
    cli: Cli, tmp_path: Path, hazard: str
) -> None:
    good = nordby(2).write(tmp_path / "good")
    imported(cli, good)
    before = store(cli)
    assert len(before["accounts"]) == 5
    build, code, file, message = HAZARDS[hazard]
    path = build(tmp_path / "hazard.zip", _good_members(good))
    result = cli("import", path, "--format", "oneroster", "--json")
    assert result.code == 1, result.out
    report = result.json()
    assert report["state"] == "failed"
    assert [(i["severity"], i["code"], i["file"]) for i in report["issues"]] == [
        ("error", code, file)
    ]
    assert message in report["issues"][0]["message"]
    assert cli.json("report", report["run"])["issues"] == report["issues"]
    assert store(cli) == before


# --- 8. a header typo ----------------------------------------------------------------------


def _typo(folder: Path) -> Path:
    """Misspell givenName in the package's users.csv header."""
    users = folder / "users.csv"
    text = users.read_text(encoding="utf-8").replace(",givenName,", ",givenNme,", 1)
    users.write_text(text, encoding="utf-8")
    return folder


# nordby(2): S1, 8A; C-MAT8 and MAT8 (both "Matematikk 8"); T1, P1, P2, G1, G2; enrollments
# T1, P1, P2 × (8A, MAT8) on enrollments.csv lines 2-7. With givenName misspelt users.csv is
# not read (one error, plus the unknown column's warning): no account, and each of the 6
# enrollments names a person in no file and not in the store (engine errors). The rest lands:
# 2 nodes, 3 groups.
def test_a_header_typo_fails_only_its_file(cli: Cli, tmp_path: Path) -> None:
    report = imported(cli, _typo(nordby(2).write(tmp_path / "typo")))
    assert counts(report) == {
        "accounts": {},
        "nodes": {"created": 2},
        "groups": {"created": 3},
        "memberships": {"skipped": 6},
        "guardian_links": {},
    }
    assert issues(report) == sorted(
        [
            ("error", "missing_columns", "users.csv", 1),
            ("warning", "unknown_columns", "users.csv", 1),
            *[("error", "unresolved_reference", "enrollments.csv", line) for line in range(2, 8)],
        ]
    )
    assert about(report, "missing_columns") == [
        ("", "missing required column(s) givenName; file not read")
    ]
    assert about(report, "unknown_columns") == [
        ("", "unknown column(s) givenNme (did you mean givenName?); ignored")
    ]
    assert cli.json("list", "accounts") == []
    assert nodes(cli) == [
        ("Nordby skole", "school", "active", "S1"),
        ("Nordby skole/8A", "class", "active", "8A"),
    ]
    assert groups(cli) == [
        ("8A", "class", "Nordby skole", "Nordby skole/8A", "active", 0),
        ("Matematikk 8", "course", "Nordby skole", None, "active", 0),
        ("Matematikk 8", "subject", "Nordby skole", None, "active", 0),
    ]


# After a good nordby(2), the same package with the typo (and P1's e-mail changed, unseen):
# users.csv is not read, so it declares no Scope: nobody expires, no e-mail changes, and the
# enrollments resolve to the stored accounts: everything unchanged.
def test_a_header_typo_after_a_good_import_expires_nobody(cli: Cli, tmp_path: Path) -> None:
    world = nordby(2)
    imported(cli, world.write(tmp_path / "good"))
    before = store(cli)
    changed = world.changed("P1", email="new@nordby.no")
    report = imported(cli, _typo(changed.write(tmp_path / "typo")))
    assert counts(report) == {
        "accounts": {},
        "nodes": {"unchanged": 2},
        "groups": {"unchanged": 3},
        "memberships": {"unchanged": 6},
        "guardian_links": {},
    }
    assert issues(report) == [
        ("error", "missing_columns", "users.csv", 1),
        ("warning", "unknown_columns", "users.csv", 1),
    ]
    assert store(cli) == before


# --- 9. a UTF-8 BOM and semicolons ---------------------------------------------------------


def _excel(folder: Path, target: Path) -> Path:
    """Copy a package as Excel in some locales saves it: a BOM and ';' between cells."""
    target.mkdir()
    for source in sorted(folder.iterdir()):
        rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
        (target / source.name).write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    return target


# nordby(3) written plainly into one store and with a BOM and ';' into another: the same
# store, and for each of the 7 files (manifest and 6 data files) a bom and a
# semicolon_delimiter warning on line 1. The plain package has no issue at all.
def test_a_bom_and_semicolons_import_like_the_plain_package(
    cli: Cli, tmp_path: Path, switch_store: Callable[[], str]
) -> None:
    plain = nordby(3).write(tmp_path / "plain")
    report = imported(cli, plain)
    assert report["issues"] == []
    assert len(cli.json("list", "accounts")) == 6
    first = store(cli)

    switch_store()
    excel = imported(cli, _excel(plain, tmp_path / "excel"))
    assert store(cli) == first
    assert counts(excel) == counts(report)
    files = [p.name for p in sorted(plain.iterdir())]
    assert len(files) == 7
    assert issues(excel) == sorted(
        [("warning", code, f, 1) for f in files for code in ("bom", "semicolon_delimiter")]
    )
