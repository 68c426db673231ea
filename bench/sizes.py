"""The benchmark's sizes: how many people, schools, groups and memberships each one has.

"People" are the register's roster, students and staff; guardians come on top
(0.6 per person, as in L's 100,000 + 60,000). "Groups" are classes (basisgrupper,
homerooms) plus teaching groups, and "memberships" are memberships of people in
those groups: one class per student, one contact teacher per class, one teacher
per teaching group, and the rest spread over the students (about 10 each).
Placements at a school are not counted as memberships.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """One benchmark size and the proportions that shape its world."""

    name: str
    people: int  # students + staff
    guardians: int
    schools: int
    grades: tuple[int, ...]  # the years (trinn) every school has
    classes_per_grade: int
    groups: int  # classes + teaching groups
    memberships: int  # group memberships (see the module docstring)
    staff_share: float = 0.08  # of people; one per school is the principal

    @property
    def classes(self) -> int:
        """Classes (basisgrupper) in all schools."""
        return self.schools * len(self.grades) * self.classes_per_grade

    @property
    def teaching_groups(self) -> int:
        """Teaching groups (undervisningsgrupper) in all schools."""
        return self.groups - self.classes

    @property
    def staff(self) -> int:
        """Staff members in all schools."""
        return round(self.people * self.staff_share)

    @property
    def students(self) -> int:
        """Students in all schools."""
        return self.people - self.staff


# S is a two-school lower-secondary (years 8–10) municipality; M, L and XL are
# municipalities with primary and lower-secondary schools (years 1–10). They keep classes
# at 26–29 students; S's small group budget makes its classes about 50. The rest of each
# size's group budget becomes teaching groups (S 16, M 30, L and XL 90 per school). XL is
# L ten times over (a county), for measuring how cost grows; run it by hand.
SIZES: dict[str, Size] = {
    "S": Size("S", 1_000, 600, 2, (8, 9, 10), 3, 50, 10_000),
    "M": Size("M", 10_000, 6_000, 5, tuple(range(1, 11)), 7, 500, 100_000),
    "L": Size("L", 100_000, 60_000, 20, tuple(range(1, 11)), 16, 5_000, 1_000_000),
    "XL": Size("XL", 1_000_000, 600_000, 200, tuple(range(1, 11)), 16, 50_000, 10_000_000),
}  # fmt: skip
