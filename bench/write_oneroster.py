"""Write a world as a OneRoster 1.2 bulk CSV package (a zip), one file at a time.

orgs: the district and its schools. academicSessions: the school year.
courses: one per subject a school teaches. classes: homerooms (one grade each,
so the gateway files them under a year node) and scheduled teaching groups.
users and roles: everyone, with their one primary role at their school; students
name their guardians in ``agentSourcedIds``. enrollments: class and group
memberships. Usernames are left empty, so the gateway generates them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.names import SUBJECTS
from bench.world import Role, World

YEAR = ("Y2026", "2026–27", "schoolYear", "2026-08-17", "2027-06-18", "", "2027")
# The OneRoster role of each world role.
ROLE_WORDS: dict[Role, str] = {
    "student": "student",
    "teacher": "teacher",
    "principal": "principal",
    "guardian": "guardian",
}
STAMP = (2026, 8, 17, 6, 0, 0)  # every member's time in the zip
ABSENT = ("demographics", "userProfiles", "lineItems", "results", "resources")
Rows = Callable[[World], Iterator[list[str]]]


def grade(number: int) -> str:
    """A grade as OneRoster writes Norwegian years: "01" … "10"."""
    return f"{number:02d}"


def courses(world: World) -> list[tuple[str, int, int]]:
    """(key, school, subject) of every course: the subjects each school has groups in."""
    found = sorted({(g.school, g.subject) for g in world.teaching})
    return [(f"{world.schools[s].key}-{SUBJECTS[j][0]}", s, j) for s, j in found]


def _orgs(world: World) -> Iterator[list[str]]:
    """The district and its schools."""
    owner = world.owner
    yield [owner.key, "", "", owner.name, "district", "", ""]
    for school in world.schools:
        yield [school.key, "", "", school.name, "school", "", owner.key]


def _sessions(world: World) -> Iterator[list[str]]:
    """The school year."""
    yield [YEAR[0], "", "", *YEAR[1:]]


def _courses(world: World) -> Iterator[list[str]]:
    """A course per subject a school has teaching groups in."""
    for key, school, subject in courses(world):
        code, title = SUBJECTS[subject]
        yield [key, "", "", YEAR[0], title, code, "", world.schools[school].key, title, ""]


def _classes(world: World) -> Iterator[list[str]]:
    """Homerooms (classes), then scheduled classes (teaching groups)."""
    for k in world.classes:
        school = world.schools[k.school].key
        row = [k.key, "", "", k.name, grade(k.grade), "", k.name, "homeroom", "", school]
        yield [*row, YEAR[0], "", "", ""]
    for t in world.teaching:
        school = world.schools[t.school].key
        code, title = SUBJECTS[t.subject]
        course = f"{school}-{code}"
        row = [t.key, "", "", t.name, grade(t.grade), course, t.key, "scheduled", "", school]
        yield [*row, YEAR[0], title, "", ""]


def _users(world: World) -> Iterator[list[str]]:
    """Everyone; students name their guardians as agents."""
    for p in world.persons:
        grades = grade(p.grade) if p.role == "student" else ""
        school = world.schools[p.school].key
        yield [
            p.key,
            "",
            "",
            "true",
            "",
            "",
            p.given,
            p.family,
            "",
            p.key,
            p.email,
            "",
            "",
            ",".join(p.guardians),
            grades,
            "",
            "",
            "",
            "",
            "",
            school,
            "",
        ]


def _roles(world: World) -> Iterator[list[str]]:
    """Each person's one primary role, at their school."""
    for p in world.persons:
        school = world.schools[p.school].key
        yield [f"R-{p.key}", "", "", p.key, "primary", ROLE_WORDS[p.role], "", "", school, ""]


def _enrollments(world: World) -> Iterator[list[str]]:
    """Class and teaching-group memberships of students and teachers."""
    for p in world.persons:
        role = "student" if p.role == "student" else "teacher"
        school = world.schools[p.school].key
        groups = [world.classes[c].key for c in p.classes]
        groups += [world.teaching[t].key for t in p.groups]
        for group in groups:
            yield [f"{p.key}-{group}", "", "", group, school, p.key, role, "", "", ""]


COMMON = "sourcedId,status,dateLastModified,"
# file → (header, rows), in the order a package lists them.
FILES: dict[str, tuple[str, Rows]] = {
    "orgs": (COMMON + "name,type,identifier,parentSourcedId", _orgs),
    "academicSessions": (
        COMMON + "title,type,startDate,endDate,parentSourcedId,schoolYear", _sessions,
    ),
    "courses": (
        COMMON + "schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
        _courses,
    ),
    "classes": (
        COMMON + "title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,"
        "termSourcedIds,subjects,subjectCodes,periods",
        _classes,
    ),
    "users": (
        COMMON + "enabledUser,username,userIds,givenName,familyName,middleName,identifier,"
        "email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
        "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
        _users,
    ),
    "roles": (
        COMMON + "userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId",
        _roles,
    ),
    "enrollments": (
        COMMON + "classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
        _enrollments,
    ),
}  # fmt: skip


def _manifest() -> str:
    """The manifest: OneRoster 1.2, every file written in bulk."""
    lines = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.2"]
    lines += [f"file.{name},bulk" for name in FILES]
    lines += [f"file.{name},absent" for name in ABSENT]
    lines += ["source.systemName,Nordvik SAS", "source.systemCode,bench"]
    return "\n".join(lines) + "\n"


def _member(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed time, so the same world gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write(world: World, path: Path) -> dict[str, int]:
    """Write the package, streaming each file into the zip; return data rows per file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(_member("manifest.csv"), _manifest())
        for name, (header, rows) in FILES.items():
            with (
                package.open(_member(f"{name}.csv"), "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
            ):
                text.write(header + "\n")
                out = csv.writer(text, lineterminator="\n")
                counts[name] = 0
                for row in rows(world):
                    out.writerow(row)
                    counts[name] += 1
    return counts
