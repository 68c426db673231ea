"""The generated world: sizes, Nordic names that collide, siblings' guardians, ~1 % changes."""

from __future__ import annotations

from collections import Counter, defaultdict

from bench.change import ChangeLog
from bench.sizes import SIZES
from bench.world import World
from mapping.usernames import candidates

NORDIC = set("åäöæøÅÄÖÆØ")


def test_size_s_has_the_requested_people_groups_and_memberships(world: World) -> None:
    size = SIZES["S"]
    roles = Counter(p.role for p in world.persons)
    assert roles["student"] + roles["teacher"] + roles["principal"] == size.people == 1_000
    assert roles["guardian"] == size.guardians == 600
    assert roles["principal"] == len(world.schools) == 2
    assert len(world.classes) + len(world.teaching) == size.groups == 50
    assert world.memberships() == size.memberships == 10_000


def test_every_student_is_in_one_class_and_about_ten_groups(world: World) -> None:
    students = list(world.of_role("student"))
    assert all(len(s.classes) == 1 for s in students)
    assert {len(s.groups) for s in students} <= {9, 10}
    for s in students:
        assert {world.teaching[t].school for t in s.groups} == {s.school}


def test_names_carry_nordic_letters(world: World) -> None:
    letters = {c for p in world.persons for c in p.given + p.family if c in NORDIC}
    assert letters >= set("åäöæø")
    assert any(NORDIC & set(s.name) for s in world.schools)


def test_many_people_share_a_given_and_family_name(world: World) -> None:
    pairs = Counter((p.given, p.family) for p in world.persons)
    shared = {pair: n for pair, n in pairs.items() if n > 1}
    assert len(shared) > 50
    assert max(shared.values()) >= 5
    stems = Counter(next(candidates(p.given, p.family)) for p in world.persons)
    assert sum(1 for n in stems.values() if n > 2) > 50  # the engine goes on to MaSc2, MaSc3…


def test_siblings_share_guardians_and_family_names(world: World) -> None:
    children: dict[str, list[str]] = defaultdict(list)
    for student in world.of_role("student"):
        assert 1 <= len(student.guardians) <= 2
        for guardian in student.guardians:
            children[guardian].append(student.family)
    shared = [families for families in children.values() if len(families) > 1]
    assert len(shared) > 100
    assert all(len(set(families)) == 1 for families in shared)


def test_the_changed_variant_changes_about_one_percent(
    world: World, changed: tuple[World, ChangeLog]
) -> None:
    after, log = changed
    assert log.names and log.emails and log.moves and log.swaps and log.leavers and log.joiners
    assert 0.005 <= log.persons / len(world.persons) <= 0.02
    before = {p.key: p for p in world.persons}
    moved = [p for p in after.persons if p.key in before and p.classes != before[p.key].classes]
    assert len(moved) == log.moves
    assert all(world.classes[p.classes[0]].grade == p.grade for p in moved)


def test_leavers_stay_far_below_the_removal_threshold(
    world: World, changed: tuple[World, ChangeLog]
) -> None:
    after, _ = changed
    kept = {p.key for p in after.persons}
    assert any(p.key not in kept for p in world.persons)
    for school in range(len(world.schools)):
        here = [p for p in world.persons if p.school == school]
        gone = [p for p in here if p.key not in kept]
        assert len(gone) < 0.02 * len(here)  # the threshold is 10 %
