"""Every size can be built: its parameters fit the generator's rules (XL is never built here)."""

from __future__ import annotations

import pytest

from bench.build import FAMILY_SIZES, FAMILY_WEIGHTS, split, structure
from bench.sizes import SIZES, Size

MEAN_FAMILY = sum(n * w for n, w in zip(FAMILY_SIZES, FAMILY_WEIGHTS, strict=True))


def test_xl_is_l_ten_times_over() -> None:
    xl, large = SIZES["XL"], SIZES["L"]
    assert (xl.people, xl.guardians, xl.schools) == (1_000_000, 600_000, 200)
    assert xl.memberships == 10_000_000 == 10 * large.memberships
    assert (xl.groups, xl.classes, xl.teaching_groups) == (50_000, 32_000, 18_000)
    assert (xl.students, xl.staff) == (920_000, 80_000)


@pytest.mark.parametrize("size", SIZES.values(), ids=list(SIZES))
def test_the_generator_can_build_every_size(size: Size) -> None:
    schools, classes, teaching = structure(size)  # names every school, keys every group
    assert len({s.name for s in schools}) == size.schools
    assert len({k.key for k in classes}) == size.classes
    assert len({t.key for t in teaching}) == size.teaching_groups
    assert 25 <= size.students / size.classes <= 55  # students per class
    # Each student is in one class and 9–10 teaching groups; a class and a group have a teacher.
    per_student = (
        size.memberships - size.students - size.classes - size.teaching_groups
    ) / size.students
    assert 9 <= per_student <= 10
    assert min(split(size.teaching_groups, size.schools)) >= 10
    # Every school has a principal and a contact teacher for each of its classes.
    assert min(split(size.staff, size.schools)) - 1 >= size.classes // size.schools
    # Families of 1–3 children have one or two guardians: the guardians must go round.
    assert size.students / MEAN_FAMILY < size.guardians < 2 * size.students / MEAN_FAMILY
    assert size.students + size.students // 100 < 10**6  # keys E000001… stay six digits
