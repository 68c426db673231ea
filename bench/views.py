"""What each format's feed of a world becomes in the store, worked out from the world.

A view mirrors how the format's reader and the engine map records: which nodes
and groups exist (by key), and per person the account's fields, its group
memberships (group key, hierarchy role) and its guardians. The expectations are
differences between views, so they follow from what was generated, not from
constants. Keys are the ones each reader makes: IMS and OneRoster keep the
feed's keys (OneRoster adds ``<school>/year/<grade>`` year nodes for homerooms);
the gateway's CSV keys nodes by their path of names (``Nordby skole/8/8A``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bench import write_ims, write_oneroster
from bench.names import SUBJECTS
from bench.world import Person, Role, World

Fields = tuple[str, ...]
PROFILES: dict[Role, str] = {
    "student": "Student",
    "teacher": "Staff",
    "principal": "Administrator",
    "guardian": "Guardian",
}
HIERARCHY_ROLES: dict[Role, str] = {"student": "student", "teacher": "teacher"}


@dataclass(frozen=True, slots=True)
class PersonView:
    """One person as the store holds them after a run of the format."""

    account: tuple[str, str, str, str, frozenset[str]]  # given, family, email, profile, nodes
    memberships: frozenset[tuple[str, str]]  # (group key, hierarchy role)
    guardians: frozenset[str]  # the guardians' keys (links guardian → this person)


class View(Protocol):
    """One format's mapping of a world into the store."""

    full: bool  # a full snapshot: what the feed leaves out is expired or removed

    def nodes(self, world: World) -> dict[str, Fields]:
        """Hierarchy nodes by key: (name, kind, parent key)."""
        ...

    def groups(self, world: World) -> dict[str, Fields]:
        """Groups by key: (name, kind)."""
        ...

    def viewer(self, world: World) -> Callable[[Person], PersonView | None]:
        """A person's view in this world; None when the feed leaves the person out."""
        ...


def _person(p: Person, nodes: frozenset[str], groups: list[str]) -> PersonView:
    """A person's view from their nodes and the keys of their groups."""
    role = HIERARCHY_ROLES.get(p.role, "")
    account = (p.given, p.family, p.email, PROFILES[p.role], nodes)
    return PersonView(account, frozenset((g, role) for g in groups), frozenset(p.guardians))


def _group_keys(world: World, p: Person) -> list[str]:
    """The keys of a person's classes and teaching groups, as IMS and OneRoster send them."""
    return [world.classes[c].key for c in p.classes] + [world.teaching[t].key for t in p.groups]


def _class_and_teaching_groups(world: World) -> dict[str, Fields]:
    """The class group of every class node, and the teaching groups, by the feed's keys."""
    found: dict[str, Fields] = {k.key: (k.name, "class") for k in world.classes}
    found.update((t.key, (t.name, "subject")) for t in world.teaching)
    return found


class Ims:
    """PIFU-IMS: owner > schools > years > classes; teaching groups; placements at schools."""

    full = True

    def nodes(self, world: World) -> dict[str, Fields]:
        owner = world.owner
        found: dict[str, Fields] = {owner.key: (owner.name, "school_owner", "")}
        for s, school in enumerate(world.schools):
            found[school.key] = (school.name, "school", owner.key)
            for grade in world.size.grades:
                found[write_ims.year_key(world, s, grade)] = (f"{grade}. trinn", "year", school.key)
        for k in world.classes:
            found[k.key] = (k.name, "class", write_ims.year_key(world, k.school, k.grade))
        return found

    def groups(self, world: World) -> dict[str, Fields]:
        return _class_and_teaching_groups(world)

    def viewer(self, world: World) -> Callable[[Person], PersonView | None]:
        def view(p: Person) -> PersonView:
            # Guardians have no placement; everyone else is placed at their school.
            placed = p.role != "guardian"
            nodes = frozenset({world.schools[p.school].key} if placed else ())
            return _person(p, nodes, _group_keys(world, p))

        return view


class OneRoster:
    """OneRoster 1.2 bulk: district > schools > year nodes > homerooms; courses, sections."""

    full = True

    def nodes(self, world: World) -> dict[str, Fields]:
        owner = world.owner
        found: dict[str, Fields] = {owner.key: (owner.name, "school_owner", "")}
        found.update((s.key, (s.name, "school", owner.key)) for s in world.schools)
        for k in world.classes:
            school = world.schools[k.school].key
            grade = write_oneroster.grade(k.grade)
            year = f"{school}/year/{grade}"
            found[year] = (grade, "year", school)
            found[k.key] = (k.name, "class", year)
        return found

    def groups(self, world: World) -> dict[str, Fields]:
        found = _class_and_teaching_groups(world)
        for key, _, subject in write_oneroster.courses(world):
            found[key] = (SUBJECTS[subject][1], "course")
        return found

    def viewer(self, world: World) -> Callable[[Person], PersonView | None]:
        def view(p: Person) -> PersonView:
            nodes = frozenset({world.schools[p.school].key})  # primaryOrgSourcedId
            return _person(p, nodes, _group_keys(world, p))

        return view


class Csv:
    """The gateway's CSV: nodes are name paths; only class memberships; adds and updates."""

    full = False

    def nodes(self, world: World) -> dict[str, Fields]:
        found: dict[str, Fields] = {}
        for p in world.persons:
            if p.role == "guardian":
                continue
            school = world.schools[p.school].name
            found[school] = (school, "school", "")
            if p.classes:
                k = world.classes[p.classes[0]]
                year = f"{school}/{k.grade}"
                found[year] = (str(k.grade), "year", school)
                found[f"{year}/{k.name}"] = (k.name, "class", year)
        return found

    def groups(self, world: World) -> dict[str, Fields]:
        return {
            key: (fields[0], "class")
            for key, fields in self.nodes(world).items()
            if fields[1] == "class"
        }

    def viewer(self, world: World) -> Callable[[Person], PersonView | None]:
        named = {g for p in world.persons for g in p.guardians}

        def view(p: Person) -> PersonView | None:
            if p.role == "guardian" and p.key not in named:
                return None  # guardians exist only in the rows of their children
            place, groups = self._place(world, p)
            return _person(p, place, groups)

        return view

    def _place(self, world: World, p: Person) -> tuple[frozenset[str], list[str]]:
        """A row's node (its year, else its school) and its class path."""
        if p.role == "guardian":
            return frozenset(), []
        school = world.schools[p.school].name
        if not p.classes:
            return frozenset({school}), []
        k = world.classes[p.classes[0]]
        year = f"{school}/{k.grade}"
        return frozenset({year}), [f"{year}/{k.name}"]


VIEWS: dict[str, View] = {"oneroster": OneRoster(), "ims": Ims(), "csv": Csv()}
