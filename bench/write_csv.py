"""Write a world as the gateway's own CSV: one person per row, guardians in columns.

Students carry school, year, class and up to two guardians; staff carry their
school and role, and contact teachers their class too. The username column is
left empty, so the gateway generates usernames from the names.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from bench.world import Person, Role, World

DELIMITER = ";"
HEADER = (
    "Synkroniseringsnøkkel;Fornavn;Etternavn;Brukernavn;E-post;Trinn;Klasse;Rolle;Skole;"
    "Foresatt1 ID;Foresatt1 Fornavn;Foresatt1 Etternavn;Foresatt1 E-post;"
    "Foresatt2 ID;Foresatt2 Fornavn;Foresatt2 Etternavn;Foresatt2 E-post"
).split(DELIMITER)
ROLE_WORDS: dict[Role, str] = {"student": "elev", "teacher": "lærer", "principal": "rektor"}
MAX_GUARDIANS = 2


def rows(world: World) -> Iterator[list[str]]:
    """The data rows: students, then staff."""
    guardians = {p.key: p for p in world.of_role("guardian")}
    for person in world.of_role("student", "teacher", "principal"):
        yield _row(world, person, [guardians[g] for g in person.guardians])


def _row(world: World, person: Person, guardians: list[Person]) -> list[str]:
    """One person's row."""
    grade, klass = "", ""
    if person.classes:
        found = world.classes[person.classes[0]]
        grade, klass = str(found.grade), found.name
    cells = [
        person.key,
        person.given,
        person.family,
        "",
        person.email,
        grade,
        klass,
        ROLE_WORDS[person.role],
        world.schools[person.school].name,
    ]
    for guardian in guardians[:MAX_GUARDIANS]:
        cells += [guardian.key, guardian.given, guardian.family, guardian.email]
    return cells + [""] * (len(HEADER) - len(cells))


def write(world: World, path: Path) -> dict[str, int]:
    """Write the file, a row at a time; return the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=DELIMITER, lineterminator="\r\n")
        out.writerow(HEADER)
        for row in rows(world):
            out.writerow(row)
            count += 1
    return {"people": count}
