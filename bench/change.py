"""The changed variant: about 1 % of people and memberships changed, as a register would.

Name changes and new e-mail addresses (0.3 % of persons each), class moves within
a year (0.2 % of students), teaching-group swaps (0.3 % of memberships), leavers
(0.2 % of students and teachers, with guardians who have no child left) and a few
joiners (0.1 % of students, each with a new guardian and a classmate's groups).
Leavers stay far below the 10 % removal threshold of every school.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace

from bench.build import email, rng_for
from bench.names import Names
from bench.world import Person, World

SHARES = {
    "names": 0.003,  # of persons
    "emails": 0.003,  # of persons
    "moves": 0.002,  # of students
    "swaps": 0.003,  # of memberships
    "leavers": 0.002,  # of students and teachers
    "joiners": 0.001,  # of students
}


@dataclass(frozen=True)
class ChangeLog:
    """What the changed variant changed, by kind (persons or memberships)."""

    names: int = 0
    emails: int = 0
    moves: int = 0
    swaps: int = 0
    leavers: int = 0
    guardians_left: int = 0
    joiners: int = 0
    guardians_joined: int = 0

    @property
    def persons(self) -> int:
        """Persons changed, gone or new (memberships changes aside)."""
        gone = self.leavers + self.guardians_left
        return self.names + self.emails + self.moves + gone + self.joiners + self.guardians_joined

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON."""
        return asdict(self)


def _count(share: str, of: int) -> int:
    """How many to change: the share of ``of``, at least one."""
    return max(1, round(SHARES[share] * of))


class _Changer:
    """Applies each kind of change to a mutable list of the base world's persons."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng: random.Random = rng_for("change", world.size, world.seed)
        self.names = Names(self.rng)
        self.persons: list[Person | None] = list(world.persons)
        self.index = {p.key: i for i, p in enumerate(world.persons)}

    def pick(self, count: int, *roles: str) -> list[int]:
        """``count`` distinct persons still here, of the given roles (any when none)."""
        pool = [i for i, p in enumerate(self.persons) if p and (not roles or p.role in roles)]
        return self.rng.sample(pool, count)

    def leave(self, count: int) -> int:
        """Students and teachers leave; then guardians without a child left leave too."""
        for i in self.pick(count, "student", "teacher"):
            self.persons[i] = None
        kept = {g for p in self.persons if p for g in p.guardians}
        orphans = [
            i
            for i, p in enumerate(self.persons)
            if p and p.role == "guardian" and p.key not in kept
        ]
        for i in orphans:
            self.persons[i] = None
        return len(orphans)

    def rename(self, chosen: list[int]) -> None:
        """Half change their family name (marriage), half their given name."""
        for n, i in enumerate(chosen):
            p = self._get(i)
            if n % 2:
                self.persons[i] = replace(p, given=self.names.given(other_than=p.given))
            else:
                self.persons[i] = replace(p, family=self.names.family(other_than=p.family))

    def readdress(self, chosen: list[int]) -> None:
        """A new e-mail address (or a first one) on another domain."""
        for i in chosen:
            p = self._get(i)
            new = email(p.given, p.family, p.key, p.role).replace("@", ".ny@", 1)
            self.persons[i] = replace(p, email=new)

    def move(self, count: int) -> None:
        """Students move to another class of their own year."""
        classes = self.world.classes
        for i in self.pick(count, "student"):
            p = self._get(i)
            mine = classes[p.classes[0]]
            others = [
                c
                for c, k in enumerate(classes)
                if k.school == mine.school and k.grade == mine.grade and k.key != mine.key
            ]
            self.persons[i] = replace(p, classes=(self.rng.choice(others),))

    def swap(self, count: int) -> None:
        """Students leave one teaching group of their school for another."""
        by_school: dict[int, list[int]] = {}
        for t, group in enumerate(self.world.teaching):
            by_school.setdefault(group.school, []).append(t)
        for i in self.pick(count, "student"):
            p = self._get(i)
            old = self.rng.choice(p.groups)
            free = [t for t in by_school[p.school] if t not in p.groups]
            groups = tuple(sorted({*p.groups, self.rng.choice(free)} - {old}))
            self.persons[i] = replace(p, groups=groups)

    def join(self, count: int) -> list[Person]:
        """New students in a classmate's class and groups, each with a new guardian."""
        students = sum(1 for p in self.world.persons if p.role == "student")
        guardians = sum(1 for p in self.world.persons if p.role == "guardian")
        added: list[Person] = []
        for n, i in enumerate(self.pick(count, "student")):
            mate = self._get(i)
            given, parent, family = self.names.given(), self.names.given(), self.names.family()
            g_key, s_key = f"F{guardians + n + 1:06d}", f"E{students + n + 1:06d}"
            guardian = Person(
                g_key,
                parent,
                family,
                email(parent, family, g_key, "guardian"),
                "guardian",
                mate.school,
            )
            student = replace(
                mate,
                key=s_key,
                given=given,
                family=family,
                guardians=(g_key,),
                email=email(given, family, s_key, "student"),
            )
            added += [student, guardian]
        return added

    def _get(self, i: int) -> Person:
        """The person at ``i``, who must still be here."""
        person = self.persons[i]
        assert person is not None, "changes pick persons still here"
        return person


def change(world: World) -> tuple[World, ChangeLog]:
    """The changed variant of ``world`` and what changed."""
    ch = _Changer(world)
    students = sum(1 for p in world.persons if p.role == "student")
    teachers = sum(1 for p in world.persons if p.role == "teacher")
    leavers = _count("leavers", students + teachers)
    guardians_left = ch.leave(leavers)
    names, emails = _count("names", len(world.persons)), _count("emails", len(world.persons))
    chosen = ch.pick(names + emails)
    ch.rename(chosen[:names])
    ch.readdress(chosen[names:])
    moves, swaps = _count("moves", students), _count("swaps", world.memberships())
    ch.move(moves)
    ch.swap(swaps)
    joined = ch.join(_count("joiners", students))
    persons = tuple(p for p in ch.persons if p is not None) + tuple(joined)
    log = ChangeLog(
        names, emails, moves, swaps, leavers, guardians_left, len(joined) // 2, len(joined) // 2
    )
    return replace(world, persons=persons), log
