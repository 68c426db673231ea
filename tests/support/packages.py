"""Write small OneRoster 1.1 bulk packages for end-to-end tests: a school world in a few lines."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId"
USERS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)
CLASSES = (
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
    "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods"
)
COURSES = (
    "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
    "orgSourcedId,subjects,subjectCodes"
)
SESSIONS = (
    "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
)
ENROLLMENTS = (
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
    "primary,beginDate,endDate"
)


@dataclass(frozen=True)
class User:
    """A user row: role at one or more orgs."""

    key: str
    given: str
    family: str
    role: str = "student"
    orgs: str = "S1"
    email: str = ""
    username: str = ""
    agents: str = ""
    enabled: bool = True
    password: str = ""


@dataclass
class World:
    """A district with schools, users, a homeroom and a scheduled class, and enrollments."""

    schools: dict[str, str] = field(default_factory=lambda: {"S1": "Nordby skole"})
    users: list[User] = field(default_factory=list)
    homerooms: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (title, school)
    subjects: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (title, school)
    enrollments: list[tuple[str, str, str]] = field(default_factory=list)  # (user, class, role)

    def without(self, *keys: str) -> World:
        """The same world with some users (their enrollments, and links to them) gone,
        as a register exports it after they left."""
        users = [
            replace(u, agents=",".join(a for a in u.agents.split(",") if a not in keys))
            for u in self.users
            if u.key not in keys
        ]
        enrollments = [e for e in self.enrollments if e[0] not in keys]
        return replace(self, users=users, enrollments=enrollments)

    def changed(self, key: str, **fields: object) -> World:
        """The same world with one user's fields changed."""
        users = [replace(u, **fields) if u.key == key else u for u in self.users]  # type: ignore[arg-type]
        return replace(self, users=users)

    def write(self, folder: Path) -> Path:
        """Write the package as a directory and return it."""
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "orgs": (ORGS, [[k, "", "", n, "school", "", ""] for k, n in self.schools.items()]),
            "users": (USERS, [self._user(u) for u in self.users]),
            "academicSessions": (
                SESSIONS,
                [["T1", "", "", "2026", "schoolYear", "2026-08-15", "2027-06-20", "", "2027"]],
            ),
            "courses": (
                COURSES,
                [
                    [f"C-{k}", "", "", "T1", t, "", "", s, "", ""]
                    for k, (t, s) in self.subjects.items()
                ],
            ),
            "classes": (CLASSES, self._classes()),
            "enrollments": (
                ENROLLMENTS,
                [
                    [f"E-{u}-{c}-{r}", "", "", c, self._school(c), u, r, "", "", ""]
                    for u, c, r in self.enrollments
                ],
            ),
        }
        for name, (header, rows) in files.items():
            (folder / f"{name}.csv").write_text(_csv(header, rows), encoding="utf-8")
        manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.1"]
        manifest += [f"file.{name},bulk" for name in files]
        manifest += [f"file.{name},absent" for name in ABSENT]
        (folder / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
        return folder

    def _user(self, u: User) -> list[str]:
        """One users.csv row."""
        return [
            u.key,
            "",
            "",
            "true" if u.enabled else "false",
            u.orgs,
            u.role,
            u.username,
            "",
            u.given,
            u.family,
            "",
            "",
            u.email,
            "",
            "",
            u.agents,
            "",
            u.password,
        ]

    def _classes(self) -> list[list[str]]:
        """classes.csv rows: homerooms and scheduled classes."""
        rows = [
            [k, "", "", t, "", "", "", "homeroom", "", s, "T1", "", "", ""]
            for k, (t, s) in self.homerooms.items()
        ]
        rows += [
            [k, "", "", t, "", f"C-{k}", "", "scheduled", "", s, "T1", "", "", ""]
            for k, (t, s) in self.subjects.items()
        ]
        return rows

    def _school(self, class_key: str) -> str:
        """The school a class belongs to."""
        return {**self.homerooms, **self.subjects}[class_key][1]


ABSENT = (
    "categories",
    "classResources",
    "courseResources",
    "demographics",
    "lineItems",
    "resources",
    "results",
)


def _csv(header: str, rows: list[list[str]]) -> str:
    """CSV text with a header line."""
    out = io.StringIO()
    out.write(header + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def nordby(students: int = 10) -> World:
    """Nordby skole: a teacher, students in homeroom 8A and in a maths group, guardians."""
    world = World(homerooms={"8A": ("8A", "S1")}, subjects={"MAT8": ("Matematikk 8", "S1")})
    world.users.append(User("T1", "Marit", "Haugen", "teacher", email="marit@nordby.no"))
    world.enrollments += [("T1", "8A", "teacher"), ("T1", "MAT8", "teacher")]
    names = [
        "Åse Ødegård",
        "Ola Dahl",
        "Kari Lie",
        "Emil Sæther",
        "Nora Olsen",
        "Jakob Berg",
        "Sofie Moe",
        "Filip Lund",
        "Ingrid Bakke",
        "Henrik Aas",
        "Tiril Vik",
        "Sondre Holm",
    ]
    for n in range(students):
        given, family = names[n % len(names)].split()
        key = f"P{n + 1}"
        world.users.append(
            User(
                key,
                given,
                family,
                email=f"{key.lower()}@nordby.no",
                agents=f"G{n + 1}" if n < 2 else "",
            )
        )
        world.enrollments += [(key, "8A", "student"), (key, "MAT8", "student")]
    world.users += [
        User("G1", "Per", "Ødegård", "guardian", agents="P1"),
        User("G2", "Liv", "Dahl", "parent", agents="P2"),
    ]
    return world
