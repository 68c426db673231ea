"""The generated world every feed is written from: schools, classes, groups and people.

One World is written three ways (OneRoster, IMS, the gateway's CSV), so the
three feeds say the same thing and the expectations can be worked out from it.
Values are frozen; a changed world shares every unchanged value with its base.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from bench.sizes import Size

Role = Literal["student", "teacher", "principal", "guardian"]
ROLES: tuple[Role, ...] = ("student", "teacher", "principal", "guardian")


@dataclass(frozen=True, slots=True)
class School:
    """A school (or the school owner above them)."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Klass:
    """A class (basisgruppe, homeroom) in one year of one school."""

    key: str
    name: str  # "8A"
    school: int
    grade: int


@dataclass(frozen=True, slots=True)
class Teaching:
    """A teaching group (undervisningsgruppe, scheduled class) in one subject."""

    key: str
    name: str
    school: int
    grade: int
    subject: int  # index into names.SUBJECTS


@dataclass(frozen=True, slots=True)
class Person:
    """A student, staff member or guardian and where they belong."""

    key: str
    given: str
    family: str
    email: str  # "" when the register has none
    role: Role
    school: int  # guardians: the school of their children
    grade: int = 0  # students only
    classes: tuple[int, ...] = ()  # a student's class; the class a teacher is contact teacher of
    groups: tuple[int, ...] = ()  # teaching groups
    guardians: tuple[str, ...] = ()  # a student's guardians (keys), at most two


@dataclass(frozen=True)
class World:
    """Everything one feed describes."""

    size: Size
    seed: int
    owner: School
    schools: tuple[School, ...]
    classes: tuple[Klass, ...]
    teaching: tuple[Teaching, ...]
    persons: tuple[Person, ...]

    def of_role(self, *roles: Role) -> Iterator[Person]:
        """The persons holding one of ``roles``, in order."""
        return (p for p in self.persons if p.role in roles)

    def memberships(self) -> int:
        """Group memberships: classes and teaching groups, of students and teachers."""
        return sum(len(p.classes) + len(p.groups) for p in self.persons)

    def links(self) -> int:
        """Guardian links (guardian → student)."""
        return sum(len(p.guardians) for p in self.persons)

    def members(self) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
        """Person indexes per school, per class and per teaching group, in person order."""
        schools: list[list[int]] = [[] for _ in self.schools]
        classes: list[list[int]] = [[] for _ in self.classes]
        teaching: list[list[int]] = [[] for _ in self.teaching]
        for index, person in enumerate(self.persons):
            if person.role != "guardian":
                schools[person.school].append(index)
            for c in person.classes:
                classes[c].append(index)
            for t in person.groups:
                teaching[t].append(index)
        return schools, classes, teaching
