"""The OneRoster 1.2 provider over the store: every endpoint, validated against the official API."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Config
from gateway.web.app import create_app
from tests.gateway.web.conftest import ClientMaker
from tests.gateway.web.oneroster_world import ROSTER, Reader, load, register
from tests.support.cli import Cli


@pytest.fixture
async def reader(
    aiohttp_client: ClientMaker, cli: Cli, database_url: str, tmp_path: Path
) -> Reader:
    """Nordby skole in the store, and a client with a roster.readonly token."""
    load(cli, tmp_path)
    secret = register(cli, "lms", ROSTER)
    reader = Reader(await aiohttp_client(create_app(Config(database_url=database_url))))
    status, _ = await reader.token_for("lms", secret)
    assert status == 200
    return reader


TERM = "term-2026-08-15-2027-06-20"
STUDENTS = sorted(f"P{n}" for n in range(1, 11))
USERS = sorted([*STUDENTS, "T1", "G1", "G2"])
IN_8A = sorted([*(f"E-{p}-8A-student" for p in STUDENTS), "E-T1-8A-teacher"])
ENROLLED = sorted([*IN_8A, *(f"E-{p}-MAT8-student" for p in STUDENTS), "E-T1-MAT8-teacher"])
# Every collection and relationship read of the 1.2 API, and the sourcedIds it must answer.
COLLECTIONS = {
    "/orgs": ["S1"],
    "/schools": ["S1"],
    "/academicSessions": [TERM],
    "/terms": [TERM],
    "/gradingPeriods": [],
    "/courses": ["C-MAT8"],
    "/classes": ["8A", "MAT8"],
    "/users": USERS,
    "/students": STUDENTS,
    "/teachers": ["T1"],
    "/enrollments": ENROLLED,
    "/classes/8A/students": STUDENTS,
    "/classes/MAT8/teachers": ["T1"],
    "/courses/C-MAT8/classes": ["MAT8"],
    "/schools/S1/classes": ["8A", "MAT8"],
    "/schools/S1/classes/8A/enrollments": IN_8A,
    "/schools/S1/classes/8A/students": STUDENTS,
    "/schools/S1/classes/MAT8/teachers": ["T1"],
    "/schools/S1/courses": ["C-MAT8"],
    "/schools/S1/enrollments": ENROLLED,
    "/schools/S1/students": STUDENTS,
    "/schools/S1/teachers": ["T1"],
    "/schools/S1/terms": [TERM],
    "/students/P1/classes": ["8A", "MAT8"],
    "/teachers/T1/classes": ["8A", "MAT8"],
    "/terms/{TERM}/classes": ["MAT8"],
    "/terms/{TERM}/gradingPeriods": [],
    "/users/G1/classes": [],
}
SINGLES = {
    "/orgs/S1": "org",
    "/schools/S1": "org",
    "/academicSessions/{TERM}": "academicSession",
    "/terms/{TERM}": "academicSession",
    "/courses/C-MAT8": "course",
    "/classes/8A": "class",
    "/users/P1": "user",
    "/students/P1": "user",
    "/teachers/T1": "user",
    "/enrollments/E-P1-8A-student": "enrollment",
}
MISSING = (
    "/schools/NOPE",
    "/students/T1",
    "/teachers/P1",
    "/gradingPeriods/{TERM}",
    "/schools/NOPE/classes",
    "/schools/S1/classes/NOPE/students",
    "/courses/MAT8/classes",
    "/users/NOPE/classes",
    "/nothing/here",
)


async def test_every_collection_and_relationship_read(reader: Reader) -> None:
    for path, expected in COLLECTIONS.items():
        status, body, headers = await reader.get(path.format(TERM=TERM), limit="100")
        assert status == 200, (path, body)
        (items,) = body.values()
        assert sorted(i["sourcedId"] for i in items) == sorted(expected), path
        assert headers["X-Total-Count"] == str(len(expected)), path


async def test_every_single_read(reader: Reader) -> None:
    for path, envelope in SINGLES.items():
        status, body, _ = await reader.get(path.format(TERM=TERM))
        assert status == 200, (path, body)
        assert body[envelope]["sourcedId"] == path.format(TERM=TERM).rsplit("/", 1)[1]


async def test_missing_objects_are_404_unknownobject(reader: Reader) -> None:
    for path in MISSING:
        status, body, _ = await reader.get(path.format(TERM=TERM))
        assert status == 404, path
        assert body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
            "unknownobject"
        )


async def test_a_user_is_served_with_roles_org_and_agents(reader: Reader) -> None:
    _, body, _ = await reader.get("/users/P1")
    user = body["user"]
    assert (user["givenName"], user["familyName"], user["email"]) == (
        "Åse",
        "Ødegård",
        "p1@nordby.no",
    )
    assert user["enabledUser"] == "true"
    assert [(r["roleType"], r["role"], r["org"]["sourcedId"]) for r in user["roles"]] == [
        ("primary", "student", "S1")
    ]
    assert user["roles"][0]["org"]["href"].endswith("/ims/oneroster/rostering/v1p2/orgs/S1")
    assert [a["sourcedId"] for a in user["agents"]] == ["G1"]
    _, body, _ = await reader.get("/users/G2")
    assert [
        (r["role"], [a["sourcedId"] for a in body["user"]["agents"]]) for r in body["user"]["roles"]
    ] == [("guardian", ["P2"])]


async def test_classes_and_enrollments_name_their_course_school_and_term(reader: Reader) -> None:
    _, body, _ = await reader.get("/classes/MAT8")
    klass = body["class"]
    assert (klass["classType"], klass["course"]["sourcedId"], klass["school"]["sourcedId"]) == (
        "scheduled",
        "C-MAT8",
        "S1",
    )
    assert [t["sourcedId"] for t in klass["terms"]] == [TERM]
    _, body, _ = await reader.get("/classes/8A")
    assert body["class"]["classType"] == "homeroom"
    _, body, _ = await reader.get("/enrollments/E-T1-MAT8-teacher")
    enrollment = body["enrollment"]
    assert (enrollment["user"]["sourcedId"], enrollment["class"]["sourcedId"]) == ("T1", "MAT8")
    assert (enrollment["role"], enrollment["status"]) == ("teacher", "active")
