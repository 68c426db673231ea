"""The OneRoster REST client against fake providers on loopback: records, paging, failures."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from mapping.records import FeedError, Membership, Org, Person, RowIssue, Scope
from oneroster.rest import PullOptions, download, open_pull, pull
from oneroster.restauth import Bearer, OAuth1, OAuth2
from tests.oneroster.conftest import collect
from tests.oneroster.restprovider import Provider, jp_samples, world_json
from tests.support.packages import nordby

ClientMaker = Callable[[web.Application], Awaitable[TestClient]]
ALL_SCOPES = ["accounts", "nodes", "groups", "memberships", "guardian_links"]


class Sleeps(list[float]):
    """An injected sleep that only notes how long it was asked to wait."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def run(aiohttp_client: ClientMaker, provider: Provider, **options: Any) -> list[Any]:
    """Pull from ``provider`` served on loopback, with OAuth 2 unless told otherwise."""
    client = await aiohttp_client(provider.app())
    url = str(client.make_url("")).rstrip("/")
    options.setdefault("auth", OAuth2(f"{url}/token", "id", "secret"))
    options.setdefault("version", provider.version)
    options.setdefault("sleep", Sleeps())
    return await pull(client.session, PullOptions(url, **options))


def by_type(items: list[Any], kind: type) -> list[Any]:
    """The items of one type."""
    return [i for i in items if isinstance(i, kind)]


def plain(items: list[Any]) -> list[Any]:
    """Records and issues without where they came from (a CSV line, a REST collection)."""
    out = []
    for item in items:
        if isinstance(item, RowIssue):
            out.append((item.severity, item.code, item.entity, item.key))
        elif not isinstance(item, Scope):
            out.append(dataclasses.replace(item, file="", line=None))
    return out


async def test_the_official_1_2_samples_become_records(aiohttp_client: ClientMaker) -> None:
    provider = Provider(jp_samples(), token_uses=100)
    items = await run(aiohttp_client, provider)
    school, year, klass = by_type(items, Org)
    assert (school.key, school.kind, school.name) == (
        "500bc782-3ff9-4fd8-9dc7-ba6abfb38d80",
        "school",
        "digital学校",
    )
    assert (klass.key, klass.kind, klass.parent) == (
        "c0935e31-e98a-46d8-bd8b-831a26fcaef5",
        "class",
        year.key,
    )
    [person] = by_type(items, Person)
    assert (person.given_name, person.family_name, person.username) == (
        "たろう",
        "てすと",
        "てすとたろう",
    )
    assert person.orgs == (school.key,) and person.roles == () and person.enabled
    [member] = by_type(items, Membership)
    assert (member.person, member.group, member.role, member.primary) == (
        person.key,
        klass.key,
        "student",
        False,
    )
    base = str(provider_url(items))
    assert sorted(
        (i.code, i.file.removeprefix(base), i.line) for i in by_type(items, RowIssue)
    ) == [
        ("no_roles", "/users", None),  # the sample's user has roles: []
        ("unresolved_reference", "/classes", None),  # its course is not served
        ("unresolved_reference", "/orgs", None),  # nor its parent org
    ]
    assert [s.entity for s in by_type(items, Scope)] == ALL_SCOPES
    assert provider.tokens == ["token1"]  # one token, cached for all six collections
    assert len(provider.requests) == 6


def provider_url(items: list[Any]) -> str:
    """The base URL the issues name (everything before the collection)."""
    return next(i.file for i in items if isinstance(i, Org)).removesuffix("/orgs")


async def test_a_pull_gives_the_csv_readers_records(
    aiohttp_client: ClientMaker, tmp_path: Path
) -> None:
    world = nordby(5)
    from_csv = collect(world.write(tmp_path / "package"))
    items = await run(aiohttp_client, Provider(world_json(world), "1.1"), page_size=3)
    expected = [*from_csv.orgs, *from_csv.groups, *from_csv.persons]
    expected += [*from_csv.memberships, *from_csv.links]
    assert sorted(map(repr, plain(items))) == sorted(
        map(repr, plain([*expected, *from_csv.issues]))
    )
    assert len(by_type(items, Person)) == 8 and len(by_type(items, Membership)) == 12
    assert [s.entity for s in by_type(items, Scope)] == sorted(
        from_csv.scopes, key=ALL_SCOPES.index
    )


def pages(provider: Provider, collection: str) -> list[str]:
    """The query strings the client asked ``collection`` with."""
    return [r.split("?", 1)[1] for r in provider.requests if r.split("?")[0].endswith(collection)]


@pytest.mark.parametrize(
    ("header", "asked"),
    [
        ("X-Total-Count", ["limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=6"]),
        ("x-total", ["limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=6"]),
        ("totalCount", ["limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=6"]),
        # No count: only a short page ends it; 9 users fill 3 pages, so a 4th comes back empty.
        (None, ["limit=3&offset=0", "limit=3&offset=3", "limit=3&offset=6", "limit=3&offset=9"]),
    ],
)
async def test_offset_paging_stops_at_the_count_or_a_short_page(
    aiohttp_client: ClientMaker, header: str | None, asked: list[str]
) -> None:
    world = nordby(7)  # 1 teacher, 7 students, 2 guardians: 10 users
    world.users.pop()
    provider = Provider(world_json(world), "1.1", count_header=header)
    items = await run(aiohttp_client, provider, page_size=3)
    assert pages(provider, "/users") == asked
    assert len(by_type(items, Person)) == 9


async def test_a_capped_page_size_loses_nothing_when_the_count_is_sent(
    aiohttp_client: ClientMaker,
) -> None:
    provider = Provider(world_json(nordby(7)), "1.1")
    original = provider.collection

    async def capped(request: web.Request) -> web.Response:
        request = request.clone(rel_url=request.rel_url.update_query(limit=4))
        return await original(request)

    provider.collection = capped  # type: ignore[method-assign]
    items = await run(aiohttp_client, provider, page_size=10)
    assert len(by_type(items, Person)) == 10


async def test_link_only_paging_follows_next(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(7)), "1.1", link_only=True)
    items = await run(aiohttp_client, provider, page_size=4)
    assert pages(provider, "/users") == [
        "limit=4&offset=0",
        "limit=4&offset=0&cursor=4",
        "limit=4&offset=0&cursor=8",
    ]
    assert sorted(p.key for p in by_type(items, Person)) == sorted(
        ["T1", "G1", "G2"] + [f"P{n}" for n in range(1, 8)]
    )


async def test_string_booleans_read_as_booleans(aiohttp_client: ClientMaker) -> None:
    collections = world_json(nordby(2))
    for user, flag in zip(collections["users"], ["true", "FALSE", "false"], strict=False):
        user["enabledUser"] = flag
    for enrollment in collections["enrollments"]:
        enrollment["primary"] = "true"
    items = await run(aiohttp_client, Provider(collections, "1.1"))
    enabled = {p.key: p.enabled for p in by_type(items, Person)}
    assert enabled == {"T1": True, "P1": False, "P2": False, "G1": True, "G2": True}
    assert {m.primary for m in by_type(items, Membership)} == {True}
    [case] = [i for i in by_type(items, RowIssue) if i.code == "boolean_case"]
    assert (case.severity, case.key) == ("warning", "P1")


async def test_429_waits_as_retry_after_says(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(7)), "1.1", throttled={("users", 2): 2})
    sleeps = Sleeps()
    items = await run(aiohttp_client, provider, page_size=4, sleep=sleeps)
    assert sleeps == [7.0, 7.0]
    assert pages(provider, "/users") == [
        "limit=4&offset=0",
        *["limit=4&offset=4"] * 3,
        "limit=4&offset=8",
    ]
    assert len(by_type(items, Person)) == 10


async def test_retry_after_is_bounded(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1", throttled={("orgs", 1): 1})
    sleeps = Sleeps()
    await run(aiohttp_client, provider, sleep=sleeps, max_wait=2.5)
    assert sleeps == [2.5]


async def test_a_token_that_expires_mid_pull_is_fetched_again(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(7)), "1.1", token_uses=4)
    items = await run(aiohttp_client, provider, page_size=3)
    # 14 pages (users 4, enrollments 6, the rest 1 each), 4 per token: 3 refused, 4 tokens.
    assert provider.tokens == ["token1", "token2", "token3", "token4"]
    assert len(provider.requests) == 14 + 3
    assert len(by_type(items, Person)) == 10


async def test_a_token_refused_again_fails_the_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1", token_uses=0)
    with pytest.raises(FeedError) as failed:
        await run(aiohttp_client, provider)
    assert failed.value.code == "rest_unauthorized"
    assert "HTTP 401: failure: the request failed: unauthorisedrequest" in failed.value.message
    assert provider.tokens == ["token1", "token2"]  # refreshed once, not in a loop


async def test_wrong_client_credentials_fail_the_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1", token_uses=10)
    client = await aiohttp_client(provider.app())
    url = str(client.make_url("")).rstrip("/")
    options = PullOptions(url, "1.1", OAuth2(f"{url}/token", "id", "wrong"))
    with pytest.raises(FeedError) as failed:
        await pull(client.session, options)
    assert failed.value.code == "rest_auth"
    assert "wrong" not in str(failed.value) and "wrong" not in repr(options)
    assert provider.requests == []


async def test_a_500_on_page_3_fails_the_whole_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(7)), "1.1", broken={("users", 3): 500})
    sleeps = Sleeps()
    with pytest.raises(FeedError) as failed:
        await run(aiohttp_client, provider, page_size=3, sleep=sleeps, retries=3)
    assert failed.value.code == "rest_http"
    assert "users?limit=3&offset=6: HTTP 500" in failed.value.message
    assert len(sleeps) == 3 and sleeps[0] < sleeps[1] < sleeps[2]  # backing off
    assert pages(provider, "/users")[2:] == ["limit=3&offset=6"] * 4
    assert pages(provider, "/enrollments") == []  # nothing after the failure is asked for


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"user": []}, "rest_envelope"),  # a 200 without its list is no empty roster
        ([], "rest_envelope"),
    ],
)
async def test_an_answer_without_its_list_fails_the_pull(
    aiohttp_client: ClientMaker, body: Any, code: str
) -> None:
    provider = Provider(world_json(nordby(1)), "1.1")

    async def wrong(request: web.Request) -> web.Response:
        return web.json_response(body)

    app = provider.app()
    app.router.add_get("/ims/oneroster/v1p1/users", wrong)
    client = await aiohttp_client(app)
    url = str(client.make_url("")).rstrip("/")
    with pytest.raises(FeedError) as failed:
        await pull(client.session, PullOptions(url, "1.1"))
    assert failed.value.code == code


async def test_the_page_cap_fails_the_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(7)), "1.1")
    with pytest.raises(FeedError) as failed:
        await run(aiohttp_client, provider, page_size=3, max_pages=3)
    assert failed.value.code == "rest_paging"
    assert failed.value.message == "users: more than 3 pages; the pull stops rather than read part"


async def test_a_provider_that_ignores_offset_fails_the_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(7)), "1.1", count_header=None)
    original = provider.collection

    async def stuck(request: web.Request) -> web.Response:
        return await original(request.clone(rel_url=request.rel_url.update_query(offset=0)))

    provider.collection = stuck  # type: ignore[method-assign]
    with pytest.raises(FeedError) as failed:
        await run(aiohttp_client, provider, page_size=3)
    assert failed.value.code == "rest_paging"
    assert "ignores offset" in failed.value.message


async def test_a_delta_pull_asks_for_changes_and_declares_no_scope(
    aiohttp_client: ClientMaker,
) -> None:
    collections = world_json(nordby(2))
    collections["users"][1] |= {"status": "tobedeleted", "dateLastModified": "2026-09-02T08:00:00Z"}
    collections["users"][2]["dateLastModified"] = "2026-09-01T08:00:00.000Z"
    provider = Provider(collections, "1.1")
    since = "2026-08-15T00:00:00.000Z"
    client = await aiohttp_client(provider.app())
    url = str(client.make_url("")).rstrip("/")
    pulled_items = await pull(client.session, PullOptions(url, "1.1", since=since))
    assert pages(provider, "/users") == [
        "filter=dateLastModified%3E'2026-08-15T00:00:00.000Z'&limit=100&offset=0"
    ]
    people = {p.key: p.deleted for p in by_type(pulled_items, Person)}
    assert people == {"P1": True, "P2": False}
    assert by_type(pulled_items, Scope) == []
    assert by_type(pulled_items, Org) == [] and by_type(pulled_items, Membership) == []


async def test_a_delta_pull_moves_the_cursor_to_the_latest_change(
    aiohttp_client: ClientMaker, tmp_path: Path
) -> None:
    collections = world_json(nordby(2))
    collections["users"][2]["dateLastModified"] = "2026-09-01T08:00:00.000Z"
    provider = Provider(collections, "1.1")
    client = await aiohttp_client(provider.app())
    url = str(client.make_url("")).rstrip("/")
    options = PullOptions(url, "1.1", since="2026-08-15T00:00:00.000Z")
    pulled = await download(client.session, options, tmp_path)
    assert pulled.cursor == "2026-09-01T08:00:00.000Z"
    quiet = await download(
        client.session, dataclasses.replace(options, since=pulled.cursor), tmp_path
    )
    assert quiet.cursor == pulled.cursor
    assert [i for i in quiet.records() if not isinstance(i, RowIssue)] == []


async def test_a_full_pull_leaves_out_what_is_to_be_deleted(aiohttp_client: ClientMaker) -> None:
    collections = world_json(nordby(2))
    collections["users"][1]["status"] = "tobedeleted"
    items = await run(aiohttp_client, Provider(collections, "1.1"))
    assert sorted(p.key for p in by_type(items, Person)) == ["G1", "G2", "P2", "T1"]
    [note] = [i for i in by_type(items, RowIssue) if i.code == "rest_deleted_in_full"]
    assert note.severity == "info" and note.file.endswith("/ims/oneroster/v1p1/users")
    assert "1 record(s)" in note.message
    assert [s.entity for s in by_type(items, Scope)] == ALL_SCOPES


async def test_1_2_users_carry_their_roles(aiohttp_client: ClientMaker) -> None:
    collections = jp_samples()
    user = collections["users"][0]
    school = user["primaryOrg"]
    user["roles"] = [
        {"roleType": "secondary", "role": "aide", "org": school},
        {"roleType": "primary", "role": "teacher", "org": school, "beginDate": "2020-01-01"},
    ]
    user |= {"preferredFirstName": "Taro", "userIds": [{"type": "LDAP", "identifier": "t1"}]}
    items = await run(aiohttp_client, Provider(collections, token_uses=100))
    [person] = by_type(items, Person)
    org = school["sourcedId"]
    assert [(c.role, c.org) for c in person.roles] == [("teacher", org), ("aide", org)]
    codes = {i.code for i in by_type(items, RowIssue)}
    assert codes == {"unresolved_reference"}  # no unknown column, no missing role


async def test_status_info_warnings_beside_the_data_are_reported(
    aiohttp_client: ClientMaker,
) -> None:
    provider = Provider(world_json(nordby(1)), "1.1")

    async def warned(request: web.Request) -> web.Response:
        info = {"imsx_codeMajor": "success", "imsx_description": "unknown field 'nickname'"}
        return web.json_response({"orgs": provider.collections["orgs"], "statusInfoSet": [info]})

    app = provider.app()
    app.router.add_get("/ims/oneroster/v1p1/orgs", warned)
    client = await aiohttp_client(app)
    url = str(client.make_url("")).rstrip("/")
    items = await pull(client.session, PullOptions(url, "1.1"))
    [warning] = [i for i in by_type(items, RowIssue) if i.code == "rest_status_info"]
    assert (warning.severity, warning.message) == ("warning", "success: unknown field 'nickname'")
    assert [o.key for o in by_type(items, Org) if o.kind == "school"] == ["S1"]


@pytest.mark.parametrize("method", ["HMAC-SHA256", "HMAC-SHA1"])
async def test_oauth1_signed_requests_verify_at_the_provider(
    aiohttp_client: ClientMaker, method: str
) -> None:
    provider = Provider(world_json(nordby(2)), "1.1", oauth1=("key", "s3cret&"))
    auth = OAuth1("key", "s3cret&", method)  # type: ignore[arg-type]
    since = "2026-01-01T00:00:00.000Z"  # a filter: quotes and > to encode alike on both sides
    items = await run(aiohttp_client, provider, auth=auth, since=since, page_size=2)
    assert len(by_type(items, Person)) == 5
    assert len(pages(provider, "/users")) == 3


async def test_a_bad_oauth1_signature_fails_the_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1", oauth1=("key", "s3cret"))
    with pytest.raises(FeedError) as failed:
        await run(aiohttp_client, provider, auth=OAuth1("key", "guess"))
    assert failed.value.code == "rest_unauthorized"
    assert len(provider.requests) == 1  # a signature is not refreshed


@contextlib.contextmanager
def serving(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on loopback from a thread of its own; its URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.run_until_complete(runner.cleanup())
        loop.close()


def test_a_synchronous_caller_pulls_with_open_pull() -> None:
    world = nordby(2)
    world.users[1] = dataclasses.replace(world.users[1], given="Åse")
    with serving(Provider(world_json(world), "1.1").app()) as url:
        with open_pull(PullOptions(url, "1.1")) as pulled:
            folder = pulled.folder
            items = list(pulled.records())
        assert not folder.exists()  # the pulled package is gone with the context
    assert sorted(p.key for p in by_type(items, Person)) == ["G1", "G2", "P1", "P2", "T1"]
    assert by_type(items, Person)[1].given_name == "Åse"
    assert pulled.cursor == "2026-08-01T00:00:00.000Z"


def test_open_pull_fails_before_any_record() -> None:
    provider = Provider(world_json(nordby(2)), "1.1", broken={("enrollments", 1): 503})
    with (
        serving(provider.app()) as url,
        pytest.raises(FeedError) as failed,
        open_pull(PullOptions(url, "1.1", retries=0)),
    ):
        pytest.fail("a failed pull yields nothing")
    assert failed.value.code == "rest_http"
    assert "enrollments?limit=100&offset=0: HTTP 503" in str(failed.value)


async def test_a_next_link_to_another_host_fails_the_pull(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1")

    async def elsewhere(request: web.Request) -> web.Response:
        link = '<https://attacker.example/ims/oneroster/v1p1/orgs?offset=1>; rel="next"'
        return web.json_response({"orgs": provider.collections["orgs"]}, headers={"Link": link})

    app = provider.app()
    app.router.add_get("/ims/oneroster/v1p1/orgs", elsewhere)
    client = await aiohttp_client(app)
    url = str(client.make_url("")).rstrip("/")
    with pytest.raises(FeedError) as failed:
        await pull(client.session, PullOptions(url, "1.1", auth=Bearer("t")))
    assert failed.value.code == "rest_paging"
    assert "points Link rel=next elsewhere" in failed.value.message


@pytest.mark.parametrize("count", [None, "X-Total-Count"])
async def test_a_self_link_is_no_link_paging(
    aiohttp_client: ClientMaker, count: str | None
) -> None:
    provider = Provider(world_json(nordby(7)), "1.1", self_link=True, count_header=count)
    items = await run(aiohttp_client, provider, page_size=4)
    assert len(pages(provider, "/users")) == 3
    assert len(by_type(items, Person)) == 10


async def test_link_paging_that_ends_before_the_count_fails_the_pull(
    aiohttp_client: ClientMaker,
) -> None:
    provider = Provider(world_json(nordby(7)), "1.1")

    async def cut(request: web.Request) -> web.Response:
        users = provider.collections["users"]
        link = {"Link": '<?offset=0>; rel="first"', "X-Total-Count": str(len(users))}
        return web.json_response({"users": users[:4]}, headers=link)

    app = provider.app()
    app.router.add_get("/ims/oneroster/v1p1/users", cut)
    client = await aiohttp_client(app)
    url = str(client.make_url("")).rstrip("/")
    with pytest.raises(FeedError) as failed:
        await pull(client.session, PullOptions(url, "1.1"))
    assert failed.value.code == "rest_paging"
    assert failed.value.message.endswith("the provider ends at 4 of 10 records")


async def test_a_cursor_that_is_no_date_time_is_refused(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1")
    with pytest.raises(FeedError) as failed:
        await run(aiohttp_client, provider, since="2026' OR status='active")
    assert failed.value.code == "rest_cursor"
    assert provider.requests == []


async def test_a_dropped_connection_is_tried_again(aiohttp_client: ClientMaker) -> None:
    provider = Provider(world_json(nordby(1)), "1.1")
    original, drops = provider.collection, [2]

    async def flaky(request: web.Request) -> web.StreamResponse:
        if request.match_info["name"] == "users" and drops[0]:
            drops[0] -= 1
            assert request.transport is not None
            request.transport.close()  # the answer never comes
        return await original(request)

    provider.collection = flaky  # type: ignore[method-assign]
    sleeps = Sleeps()
    items = await run(aiohttp_client, provider, sleep=sleeps)
    assert len(sleeps) == 2 and len(by_type(items, Person)) == 4
    with pytest.raises(FeedError) as failed:
        drops[0] = 5
        await run(aiohttp_client, provider, retries=2)
    assert failed.value.code == "rest_unreachable"
