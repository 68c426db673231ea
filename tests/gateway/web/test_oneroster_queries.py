"""The provider's filter, sort, fields and paging, applied in the store; its errors and OAuth 2."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.store import models as m
from gateway.web.app import create_app
from oneroster.endpoints import FILTERABLE
from tests.gateway.web.conftest import ClientMaker
from tests.gateway.web.oneroster_world import ROSTER, Reader, load, register
from tests.support.cli import Cli
from tests.support.packages import nordby

CORE = "roster-core.readonly"
DEMOGRAPHICS = "roster-demographics.readonly"


@pytest.fixture
async def served(
    aiohttp_client: ClientMaker, cli: Cli, database_url: str, tmp_path: Path
) -> tuple[Reader, dict[str, str]]:
    """Nordby skole in the store, an app serving it, and the secrets of three clients."""
    load(cli, tmp_path)
    secrets = {
        "lms": register(cli, "lms", ROSTER),
        "core": register(cli, "core", CORE),
        "census": register(cli, "census", DEMOGRAPHICS),
    }
    reader = Reader(await aiohttp_client(create_app(Config(database_url=database_url))))
    return reader, secrets


@pytest.fixture
async def reader(served: tuple[Reader, dict[str, str]]) -> Reader:
    """A client holding a roster.readonly token."""
    reader, secrets = served
    assert (await reader.token_for("lms", secrets["lms"]))[0] == 200
    return reader


def minor(body: dict[str, Any]) -> str:
    """The imsx codeMinor of an error body."""
    return str(body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"])


async def test_filters(reader: Reader) -> None:
    cases = {
        "familyName='Dahl'": ["G2", "P2"],
        "familyName!='Dahl' AND role='guardian'": ["G1"],
        "givenName~'RI'": ["P10", "P3", "P9", "T1"],  # Henrik, Kari, Ingrid, Marit
        "role='teacher' OR familyName='Lie'": ["P3", "T1"],
        "email>='p8' AND email<'p9'": ["P8"],
        "status='tobedeleted'": [],
        "dateLastModified>'2000-01-01T00:00:00.000Z'": sorted(
            [*(f"P{n}" for n in range(1, 11)), "T1", "G1", "G2"]
        ),
        "dateLastModified<'2001-01-01T00:00:00Z'": [],
    }
    for text, expected in cases.items():
        assert sorted(await reader.keys("/users", filter=text)) == expected, text


async def test_filters_on_relationship_and_enrollment_reads(reader: Reader) -> None:
    keys = await reader.keys("/schools/S1/enrollments", filter="role='teacher'")
    assert sorted(keys) == ["E-T1-8A-teacher", "E-T1-MAT8-teacher"]
    assert await reader.keys("/classes/8A/students", filter="familyName='Lie'") == ["P3"]
    assert await reader.keys("/classes", filter="classType='homeroom'") == ["8A"]
    assert await reader.keys("/terms", filter="startDate>='2026-08-01'") != []
    assert await reader.keys("/terms", filter="startDate>'2026-08-15'") == []


async def test_sort_and_order(reader: Reader) -> None:
    assert await reader.keys("/students", sort="email", orderBy="desc", limit="3") == [
        "P9",
        "P8",
        "P7",
    ]
    assert await reader.keys("/users", sort="role", filter="familyName='Dahl'") == ["G2", "P2"]


async def test_fields_selects_what_is_asked(reader: Reader) -> None:
    status, body, _ = await reader.get("/users", fields="sourcedId,givenName", limit="2")
    assert status == 200
    assert [sorted(u) for u in body["users"]] == [["givenName", "sourcedId"]] * 2
    _, body, _ = await reader.get("/classes/8A", fields="title")
    assert body == {"class": {"title": "8A"}}


async def test_paging_with_total_and_links(reader: Reader) -> None:
    seen: list[str] = []
    for offset in (0, 5, 10):
        _, body, headers = await reader.get("/users", limit="5", offset=str(offset))
        assert headers["X-Total-Count"] == "13"
        seen += [u["sourcedId"] for u in body["users"]]
        links = dict(_links(headers["Link"]))
        assert parse_qs(urlsplit(links["last"]).query)["offset"] == ["10"]
        assert ("next" in links) == (offset < 10)
        assert ("prev" in links) == (offset > 0)
        if "next" in links:
            assert parse_qs(urlsplit(links["next"]).query)["offset"] == [str(offset + 5)]
    assert len(seen) == len(set(seen)) == 13
    _, body, headers = await reader.get("/users", limit="5", offset="50")
    assert (body, headers["X-Total-Count"]) == ({"users": []}, "13")


def _links(header: str) -> list[tuple[str, str]]:
    """The (rel, url) pairs of a Link header."""
    pairs = []
    for part in header.split(", "):
        url, rel = part.split("; ")
        pairs.append((rel.removeprefix('rel="').rstrip('"'), url.strip("<>")))
    return pairs


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"filter": "familyName=Dahl"}, "invalid_filter_field"),
        ({"filter": "password='secret'"}, "invalid_filter_field"),
        ({"filter": "familyName='Dahl' XOR givenName='Ola'"}, "invalid_filter_field"),
        ({"filter": "dateLastModified>'yesterday'"}, "invalid_filter_field"),
        ({"sort": "password"}, "invalid_selection_field"),
        ({"fields": "sourcedId,secret"}, "invalid_selection_field"),
        ({"limit": "0"}, "invaliddata"),
    ],
)
async def test_bad_queries_are_400_status_info(
    reader: Reader, params: dict[str, str], code: str
) -> None:
    status, body, _ = await reader.get("/users", **params)
    assert (status, body["imsx_codeMajor"], minor(body)) == (400, "failure", code)


async def test_no_token_is_401(served: tuple[Reader, dict[str, str]]) -> None:
    reader, _ = served
    for path in ("/users", "/schools/S1/classes", "/demographics"):
        status, body, headers = await reader.get(path)
        assert (status, minor(body)) == (401, "unauthorisedrequest"), path
        assert headers["WWW-Authenticate"].startswith("Bearer")
    reader.token = "ort_not-a-token"
    status, body, _ = await reader.get("/users")
    assert (status, minor(body)) == (401, "unauthorisedrequest")


async def test_scopes_decide_what_a_token_reads(served: tuple[Reader, dict[str, str]]) -> None:
    reader, secrets = served
    assert (await reader.token_for("core", secrets["core"]))[0] == 200
    assert (await reader.get("/users"))[0] == 200
    for path in ("/schools/S1/classes", "/demographics"):
        status, body, _ = await reader.get(path)
        assert (status, minor(body)) == (403, "forbidden"), path
    assert (await reader.token_for("census", secrets["census"]))[0] == 200
    status, body, _ = await reader.get("/demographics")
    assert (status, body) == (200, {"demographics": []})
    assert (await reader.get("/users"))[0] == 403


async def test_token_endpoint(served: tuple[Reader, dict[str, str]]) -> None:
    reader, secrets = served
    status, body = await reader.token_for("lms", secrets["lms"])
    assert status == 200
    assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)
    assert body["scope"] == "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
    assert (await reader.token_for("lms", "wrong"))[0:2] == (401, {"error": "invalid_client"})
    assert (await reader.token_for("nobody", secrets["lms"]))[0] == 401
    status, body = await reader.token_for(
        "core", secrets["core"], "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
    )
    assert (status, body["error"]) == (400, "invalid_scope")
    response = await reader.client.post(
        "/ims/oneroster/rostering/v1p2/token",
        data={"grant_type": "password", "client_id": "lms", "client_secret": secrets["lms"]},
    )
    assert (response.status, await response.json()) == (400, {"error": "unsupported_grant_type"})
    response = await reader.client.post(
        "/ims/oneroster/rostering/v1p2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "lms",
            "client_secret": secrets["lms"],
        },
    )
    assert response.status == 200


async def test_an_expired_token_is_refused(reader: Reader, sessions: sessionmaker[Session]) -> None:
    assert (await reader.get("/users"))[0] == 200
    with sessions.begin() as session:
        session.execute(update(m.OAuthToken).values(expires_at=_past()))
    status, body, _ = await reader.get("/users")
    assert (status, minor(body)) == (401, "unauthorisedrequest")


def _past() -> datetime:
    """A moment well gone, in UTC as the store keeps it."""
    return datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)


async def test_secrets_and_tokens_are_kept_as_hashes(
    reader: Reader, served: tuple[Reader, dict[str, str]], sessions: sessionmaker[Session]
) -> None:
    _, secrets = served
    with sessions() as session:
        stored = [*session.scalars(select(m.OAuthClient.secret_hash))]
        tokens = [*session.scalars(select(m.OAuthToken.token_hash))]
    assert len(stored) == 3 and not set(stored) & set(secrets.values())
    assert len(tokens) == 1 and reader.token not in tokens


async def test_a_delta_read_serves_what_left_as_tobedeleted(
    reader: Reader, cli: Cli, tmp_path: Path
) -> None:
    _, body, _ = await reader.get("/users", sort="dateLastModified", orderBy="desc", limit="1")
    cursor = body["users"][0]["dateLastModified"]
    await asyncio.sleep(1.1)  # SQLite keeps whole seconds in the change log
    load(cli, tmp_path, nordby().without("P3"))
    since = f"dateLastModified>'{cursor}'"
    _, body, _ = await reader.get("/users", filter=since)
    assert [(u["sourcedId"], u["status"]) for u in body["users"]] == [("P3", "tobedeleted")]
    _, body, _ = await reader.get("/enrollments", filter=since)
    assert sorted((e["sourcedId"], e["status"]) for e in body["enrollments"]) == [
        ("E-P3-8A-student", "tobedeleted"),
        ("E-P3-MAT8-student", "tobedeleted"),
    ]
    assert "P3" not in await reader.keys("/classes/8A/students")


async def test_every_filterable_field_filters_and_sorts(
    served: tuple[Reader, dict[str, str]],
) -> None:
    reader, secrets = served
    values = {"dateLastModified": "2026-01-01T00:00:00Z", "startDate": "2026-01-01"}
    values |= {"endDate": "2026-01-01", "beginDate": "2026-01-01"}
    paths = {e: e for e in FILTERABLE if e != "demographics"}
    for census in (False, True):
        if census:
            assert (await reader.token_for("census", secrets["census"]))[0] == 200
            paths = {"demographics": "demographics"}
        else:
            assert (await reader.token_for("lms", secrets["lms"]))[0] == 200
        for entity, path in paths.items():
            for name in FILTERABLE[entity]:
                for op in ("=", "~", ">="):
                    text = f"{name}{op}'{values.get(name, 'x')}'"
                    status, body, _ = await reader.get(f"/{path}", filter=text, sort=name)
                    assert status == 200, (path, text, body)


async def test_filter_values_are_data_never_sql(reader: Reader) -> None:
    for text in (
        "familyName='Dahl'' OR ''1''=''1'",
        "familyName='x''; DROP TABLE accounts; --'",
        "givenName~'%'",
        "givenName~'_'",
    ):
        assert await reader.keys("/users", filter=text) == [], text
    assert len(await reader.keys("/users")) == 13


async def test_an_inactive_group_and_removed_memberships_are_served_as_tobedeleted(
    reader: Reader, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        maths = session.scalars(select(m.Group).where(m.Group.sync_key == "MAT8")).one()
        maths.status = "inactive"
        session.execute(
            update(m.Membership).where(m.Membership.group_id == maths.id).values(status="removed")
        )
    _, body, _ = await reader.get("/classes/MAT8")
    assert body["class"]["status"] == "tobedeleted"
    assert await reader.keys("/classes", filter="status='active'") == ["8A"]
    keys = await reader.keys("/enrollments", filter="status='tobedeleted'")
    assert len(keys) == 11 and all("-MAT8-" in k for k in keys)
    assert await reader.keys("/students/P1/classes") == ["8A"]
