"""Write a world as a PIFU-IMS Enterprise document (``properties/type`` full), streamed.

Groups: the school owner (skoleeier, its own parent) > schools (skole) > years
(trinn) > classes (basisgruppe), and teaching groups (undervisningsgruppe) under
their year. Memberships: every student and staff member at their school (a
placement), students and contact teachers in classes, students and teachers in
teaching groups. Guardians are persons without a role, named by their children's
``extension/pifu_hasContactPerson type="guardian"``. No usernames are sent.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bench.world import Person, Role, World

NAMESPACE = "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"
SOURCE = "sas.nordvik.example.no"
PROPERTIES = (
    '  <properties lang="no">\n    <datasource>Nordvik SAS</datasource>\n'
    "    <target>rostergate</target>\n    <type>full</type>\n"
    "    <datetime>2026-08-17T06:00:00</datetime>\n  </properties>\n"
)
# Group kind → (scheme, level, typevalue), as PIFU writes them.
GROUP_TYPES = {
    "school_owner": ("pifu-ims-go-org", 1, "skoleeier"),
    "school": ("pifu-ims-go-org", 2, "skole"),
    "class": ("pifu-ims-go-grp", 1, "basisgruppe"),
    "teaching": ("pifu-ims-go-grp", 2, "undervisningsgruppe"),
    "year": ("pifu-ims-go-grp", 4, "trinn"),
}
INSTITUTION_ROLES: dict[Role, str] = {
    "student": "Student",
    "teacher": "Faculty",
    "principal": "Administrator",
}
ROLE_TYPES: dict[Role, str] = {"student": "01", "teacher": "02", "principal": "02"}


def escape(text: str) -> str:
    """Text as XML element content: &, < and > escaped."""
    return html.escape(text, quote=False)


def year_key(world: World, school: int, grade: int) -> str:
    """The key of a school's year (trinn) group."""
    return f"{world.schools[school].key}-T{grade}"


def _sourcedid(key: str) -> str:
    """A ``sourcedid`` naming ``key``."""
    return f"<sourcedid><source>{SOURCE}</source><id>{escape(key)}</id></sourcedid>"


def _person(p: Person) -> str:
    """One ``person`` element."""
    parts = [
        f"  <person>\n    {_sourcedid(p.key)}\n",
        f"    <name><fn>{escape(p.given)} {escape(p.family)}</fn><n><family>{escape(p.family)}"
        f"</family><given>{escape(p.given)}</given></n></name>\n",
    ]
    if p.email:
        parts.append(f"    <email>{escape(p.email)}</email>\n")
    if p.role in INSTITUTION_ROLES:
        parts.append(f'    <institutionrole institutionroletype="{INSTITUTION_ROLES[p.role]}"/>\n')
    if p.guardians:
        contacts = "".join(
            f'<pifu_hasContactPerson type="guardian">{_sourcedid(g)}</pifu_hasContactPerson>'
            for g in p.guardians
        )
        parts.append(f"    <extension>{contacts}</extension>\n")
    parts.append("  </person>\n")
    return "".join(parts)


def _group(kind: str, key: str, name: str, parent: str) -> str:
    """One ``group`` element; the top names itself as its parent, as PIFU asks."""
    scheme, level, value = GROUP_TYPES[kind]
    return (
        f"  <group>\n    {_sourcedid(key)}\n"
        f'    <grouptype><scheme>{scheme}</scheme><typevalue level="{level}">{value}</typevalue>'
        f"</grouptype>\n    <description><short>{escape(name)}</short></description>\n"
        f'    <relationship relation="1">{_sourcedid(parent)}</relationship>\n  </group>\n'
    )


def _groups(world: World) -> Iterator[str]:
    """Every group, parents first."""
    owner = world.owner
    yield _group("school_owner", owner.key, owner.name, owner.key)
    for s, school in enumerate(world.schools):
        yield _group("school", school.key, school.name, owner.key)
        for grade in world.size.grades:
            yield _group("year", year_key(world, s, grade), f"{grade}. trinn", school.key)
    for k in world.classes:
        yield _group("class", k.key, k.name, year_key(world, k.school, k.grade))
    for t in world.teaching:
        yield _group("teaching", t.key, t.name, year_key(world, t.school, t.grade))


def _membership(out: TextIO, group: str, members: list[Person]) -> int:
    """One ``membership`` element with its members; return how many."""
    out.write(f"  <membership>\n    {_sourcedid(group)}\n")
    for p in members:
        out.write(
            f"    <member>{_sourcedid(p.key)}<idtype>1</idtype>"
            f'<role roletype="{ROLE_TYPES[p.role]}"><status>1</status></role></member>\n'
        )
    out.write("  </membership>\n")
    return len(members)


def write(world: World, path: Path) -> dict[str, int]:
    """Write the document; return how many persons, groups, members and links it holds."""
    counts = {"persons": 0, "groups": 0, "members": 0, "links": 0}
    schools, classes, teaching = world.members()
    everyone = world.persons
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<enterprise xmlns="{NAMESPACE}">\n')
        out.write(PROPERTIES)
        for person in everyone:
            out.write(_person(person))
            counts["persons"] += 1
            counts["links"] += len(person.guardians)
        for group in _groups(world):
            out.write(group)
            counts["groups"] += 1
        keyed = [
            *zip((s.key for s in world.schools), schools, strict=True),
            *zip((k.key for k in world.classes), classes, strict=True),
            *zip((t.key for t in world.teaching), teaching, strict=True),
        ]
        for key, indexes in keyed:
            counts["members"] += _membership(out, key, [everyone[i] for i in indexes])
        out.write("</enterprise>\n")
    return counts
