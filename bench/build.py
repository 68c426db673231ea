"""Build the base world of a size from a seed: deterministic, no downloads.

Students come in families: siblings share a family name and one or two
guardians (families of one, two or three children, 40/40/20 %), so guardians are
shared by siblings. Each student is in one class and about ten teaching groups,
mostly of their own year. Each class has a contact teacher and each teaching
group one teacher; every school has a principal.
"""

from __future__ import annotations

import random
import string
from dataclasses import replace

from bench.names import SUBJECTS, Names, ascii_part, school_names
from bench.sizes import Size
from bench.world import Klass, Person, Role, School, Teaching, World

OWNER = School("KOMMUNE-4299", "Nordvik kommune")
FAMILY_SIZES = (1, 2, 3)
FAMILY_WEIGHTS = (0.4, 0.4, 0.2)
NO_EMAIL_SHARE = 0.1  # of guardians: the register has no e-mail address for them
DOMAINS: dict[Role, str] = {
    "student": "elev.nordvik.example.no",
    "teacher": "nordvik.example.no",
    "principal": "nordvik.example.no",
    "guardian": "example.com",
}


def email(given: str, family: str, key: str, role: Role) -> str:
    """An address made of the name and the key's number, so it is unique."""
    return f"{ascii_part(given)}.{ascii_part(family)}.{int(key[1:])}@{DOMAINS[role]}"


def rng_for(purpose: str, size: Size, seed: int) -> random.Random:
    """A generator seeded by purpose, size and seed (str seeds hash the same in every run)."""
    return random.Random(f"rostergate-bench:{purpose}:{size.name}:{seed}")


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as whole numbers allow."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def structure(size: Size) -> tuple[tuple[School, ...], tuple[Klass, ...], tuple[Teaching, ...]]:
    """Schools, their classes (A, B, … per year) and their teaching groups."""
    schools = tuple(
        School(f"SK{n + 1:02d}", name) for n, name in enumerate(school_names(size.schools))
    )
    classes = tuple(
        Klass(f"{school.key}-{grade}{letter}", f"{grade}{letter}", s, grade)
        for s, school in enumerate(schools)
        for grade in size.grades
        for letter in string.ascii_uppercase[: size.classes_per_grade]
    )
    teaching: list[Teaching] = []
    for s, (school, count) in enumerate(
        zip(schools, split(size.teaching_groups, size.schools), strict=True)
    ):
        for n in range(count):
            grade = size.grades[n % len(size.grades)]
            subject = (n // len(size.grades)) % len(SUBJECTS)
            number = n // (len(size.grades) * len(SUBJECTS)) + 1
            code, title = SUBJECTS[subject]
            key = f"{school.key}-{code}{grade}-{number}"
            teaching.append(
                Teaching(key, f"{title} {grade}. trinn gr. {number}", s, grade, subject)
            )
    return schools, classes, tuple(teaching)


class _Builder:
    """The state of one build: the generators, the structure and the persons so far."""

    def __init__(self, size: Size, seed: int) -> None:
        self.size, self.seed = size, seed
        self.rng = rng_for("world", size, seed)
        self.names = Names(self.rng)
        self.schools, self.classes, self.teaching = structure(size)
        self.students: list[Person] = []
        self.staff: list[Person] = []
        self.guardians: list[Person] = []

    def person(self, prefix: str, number: int, given: str, family: str, role: Role) -> Person:
        """A person with a key and e-mail address (guardians sometimes without one)."""
        key = f"{prefix}{number:06d}"
        no_mail = role == "guardian" and self.rng.random() < NO_EMAIL_SHARE
        return Person(
            key, given, family, "" if no_mail else email(given, family, key, role), role, 0
        )

    def build(self) -> World:
        """The whole world."""
        per_school = split(self.size.students, self.size.schools)
        families = [self._family_sizes(n) for n in per_school]
        total = sum(len(f) for f in families)
        extra = self.size.guardians - total
        if extra < 0:
            raise ValueError(
                f"{self.size.name}: {total} families need more than {self.size.guardians} guardians"
            )
        seconds = set(self.rng.sample(range(total), extra))
        family_index = 0
        for s, sizes in enumerate(families):
            seats = self._seats(s, per_school[s])
            for children in sizes:
                self._family(s, children, family_index in seconds, seats)
                family_index += 1
        self._teaching_groups()
        for s, count in enumerate(split(self.size.staff, self.size.schools)):
            self._staff(s, count)
        persons = (*self.students, *self.staff, *self.guardians)
        return World(
            self.size, self.seed, OWNER, self.schools, self.classes, self.teaching, persons
        )

    def _family_sizes(self, students: int) -> list[int]:
        """Family sizes (children) adding up to ``students``."""
        sizes: list[int] = []
        while students > 0:
            children = min(students, self.rng.choices(FAMILY_SIZES, FAMILY_WEIGHTS)[0])
            sizes.append(children)
            students -= children
        return sizes

    def _seats(self, school: int, students: int) -> list[int]:
        """Class indexes for a school's students: classes filled evenly, in random order."""
        mine = [c for c, klass in enumerate(self.classes) if klass.school == school]
        seats = [mine[n % len(mine)] for n in range(students)]
        self.rng.shuffle(seats)
        return seats

    def _family(self, school: int, children: int, two_guardians: bool, seats: list[int]) -> None:
        """One family: its guardians (one or two) and its children, who share a family name."""
        family = self.names.family()
        guardians = [family, family if self.rng.random() < 0.5 else self.names.family()]
        keys = []
        for surname in guardians[: 1 + two_guardians]:
            guardian = self.person(
                "F", len(self.guardians) + 1, self.names.given(), surname, "guardian"
            )
            self.guardians.append(replace(guardian, school=school))
            keys.append(guardian.key)
        for _ in range(children):
            seat = seats.pop()
            student = self.person(
                "E", len(self.students) + 1, self.names.given(), family, "student"
            )
            grade = self.classes[seat].grade
            self.students.append(
                replace(student, school=school, grade=grade, classes=(seat,), guardians=tuple(keys))
            )

    def _teaching_groups(self) -> None:
        """About ten teaching groups per student: their own year's first, then others."""
        size = self.size
        wanted = size.memberships - size.students - size.classes - size.teaching_groups
        base, rest = divmod(wanted, size.students)
        more = set(self.rng.sample(range(size.students), rest))
        by_school: dict[int, list[int]] = {}
        for t, group in enumerate(self.teaching):
            by_school.setdefault(group.school, []).append(t)
        for n, student in enumerate(self.students):
            count = base + (n in more)
            pool = by_school[student.school]
            if count > len(pool):
                raise ValueError(
                    f"{size.name}: {count} teaching groups wanted, {len(pool)} at school"
                )
            own = [t for t in pool if self.teaching[t].grade == student.grade]
            chosen = self.rng.sample(own, min(count, len(own)))
            others = [t for t in pool if t not in chosen]
            chosen += self.rng.sample(others, count - len(chosen))
            self.students[n] = replace(student, groups=tuple(sorted(chosen)))

    def _staff(self, school: int, count: int) -> None:
        """A school's principal and teachers: contact teachers of a class, teachers of groups."""
        classes = [c for c, klass in enumerate(self.classes) if klass.school == school]
        groups = [t for t, group in enumerate(self.teaching) if group.school == school]
        teachers = count - 1
        if teachers < len(classes):
            raise ValueError(f"{self.size.name}: {teachers} teachers for {len(classes)} classes")
        for n in range(count):
            role: Role = "principal" if n == 0 else "teacher"
            person = self.person(
                "A", len(self.staff) + 1, self.names.given(), self.names.family(), role
            )
            mine = (classes[n - 1],) if 0 < n <= len(classes) else ()
            taught = tuple(t for i, t in enumerate(groups) if n and i % teachers == n - 1)
            self.staff.append(replace(person, school=school, classes=mine, groups=taught))


def build(size: Size, seed: int) -> World:
    """The base world of ``size`` for ``seed``."""
    return _Builder(size, seed).build()
