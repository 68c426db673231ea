"""Every skipped count in a report is explained by its issues (issue 11, item 9), on SQLite and
PostgreSQL.

The rule: an issue's optional ``skipped`` is how many records of its entity the run skipped for
the reason it gives (1 for a line about one record, N for a summary line), so for every entity
``counts[entity]["skipped"]`` is the sum of ``skipped`` over the issues of that entity.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli
from tests.support.fixtures import EXTERNAL


def explained(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per entity: (skipped, the sum of the skips its issues explain)."""
    sums: Counter[str] = Counter()
    for issue in report["issues"]:
        sums[issue["entity"]] += issue.get("skipped", 0)
    return {e: (c["skipped"], sums[e]) for e, c in report["counts"].items()}


# The LMS "import users from a file" flow with role words the site has not matched: a caretaker
# listed with the pupils of his class, and a trainee pupil whose guardian comes with her.
FEED = """\
ID;Fornavn;Etternavn;Skole;Trinn;Klasse;Rolle;Foresatt1 ID;Foresatt1 Fornavn;Foresatt1 Etternavn
P1;Åse;Ødegård;Nordby skole;8;8A;elev;G1;Per;Ødegård
P2;Ola;Dahl;Nordby skole;8;8A;vaktmester;;;
P3;Eva;Lie;Nordby skole;8;8A;praktikant;G3;Lars;Lie
"""


def test_skipped_memberships_and_links_of_a_skipped_person_are_explained(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "pupils.csv"
    path.write_text(FEED, encoding="utf-8")
    report = cli.json("import", path, "--format", "csv")
    assert explained(report) == {
        "accounts": (3, 3),  # P2 and P3: unmapped roles; G3: no synced pupil
        "nodes": (0, 0),
        "groups": (0, 0),
        "memberships": (2, 2),  # P2 and P3 in 8A: unmapped roles
        "guardian_links": (1, 1),  # G3 > P3
    }
    skips = sorted(
        (i["code"], i["entity"], i["key"], i["skipped"]) for i in report["issues"] if "skipped" in i
    )
    assert skips == [
        ("no_linked_pupil", "accounts", "", 1),
        ("person_skipped", "guardian_links", "", 1),
        ("unmapped_role", "accounts", "P2", 1),
        ("unmapped_role", "accounts", "P3", 1),
        ("unmapped_role", "memberships", "P2@Nordby skole/8/8A", 1),
        ("unmapped_role", "memberships", "P3@Nordby skole/8/8A", 1),
    ]
    stored = cli.json("report", str(report["run"]))
    assert stored["issues"] == report["issues"]


def fixtures() -> list[tuple[str, Path]]:
    """Every importable external fixture, with its format."""
    found = [("ims", p) for p in sorted((EXTERNAL / "ims").glob("*.xml"))]
    oneroster = EXTERNAL / "oneroster"
    found += [("oneroster", p) for p in sorted(oneroster.rglob("*.zip"))]
    found += [("oneroster", p.parent) for p in sorted(oneroster.rglob("users.csv"))]
    return found


FIXTURES = fixtures()


def test_the_fixture_list_is_complete() -> None:
    assert len(FIXTURES) == 11  # 4 IMS files, 4 zips, 3 folders


@pytest.mark.parametrize(
    ("fmt", "path"), FIXTURES, ids=[str(p.relative_to(EXTERNAL)) for _, p in FIXTURES]
)
def test_every_skip_in_an_external_fixture_is_explained(cli: Cli, fmt: str, path: Path) -> None:
    report = cli.json("import", path, "--format", fmt, "--dry-run")
    assert report["state"] == "previewed"
    assert all(skipped == issues for skipped, issues in explained(report).values()), explained(
        report
    )
