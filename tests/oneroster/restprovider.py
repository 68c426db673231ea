"""A fake OneRoster REST provider for client tests, with the vendor quirks switchable."""

from __future__ import annotations

import base64
import hmac
import json
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature

from oneroster.rest import BASE_PATHS
from tests.support.fixtures import EXTERNAL
from tests.support.packages import World

JP_SAMPLES = EXTERNAL / "oneroster" / "jp-da2022" / "rest-samples"
Collections = dict[str, list[dict[str, Any]]]


def jp_samples() -> Collections:
    """The official 1.2 sample responses (users, orgs, classes, enrollments)."""
    return {p.stem: json.loads(p.read_text("utf-8"))[p.stem] for p in JP_SAMPLES.glob("*.json")}


@dataclass
class Provider:
    """Serves ``collections`` at a version's base path, paging by limit/offset.

    Quirks: ``count_header`` (None: no count; "totalCount": in the body),
    ``link_only`` (Link rel=next with a cursor, offset ignored, no count),
    ``self_link`` (offset paging, with a Link rel=self that says nothing),
    ``throttled`` ((collection, page) → 429s before it answers), ``broken``
    ((collection, page) → a status it always answers), ``token_uses`` (requests
    an OAuth 2 token is good for), ``oauth1`` (the consumer key and secret every
    request must be signed with, HMAC-SHA256 or HMAC-SHA1).
    """

    collections: Collections
    version: str = "1.2"
    count_header: str | None = "X-Total-Count"
    link_only: bool = False
    self_link: bool = False
    throttled: dict[tuple[str, int], int] = field(default_factory=dict)
    broken: dict[tuple[str, int], int] = field(default_factory=dict)
    token_uses: int | None = None
    oauth1: tuple[str, str] | None = None  # (key, secret)
    requests: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    _uses: Counter[str] = field(default_factory=Counter)

    def app(self) -> web.Application:
        """The provider's aiohttp application."""
        app = web.Application()
        app.router.add_post("/token", self.token)
        app.router.add_get(BASE_PATHS[self.version] + "/{name}", self.collection)
        return app

    async def token(self, request: web.Request) -> web.Response:
        """OAuth 2 client credentials: a new token for the one known client."""
        form = await request.post()
        expected = "Basic " + base64.b64encode(b"id:secret").decode()
        if (
            form.get("grant_type") != "client_credentials"
            or request.headers.get("Authorization") != expected
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        self.tokens.append(f"token{len(self.tokens) + 1}")
        return web.json_response({"access_token": self.tokens[-1], "expires_in": 3600})

    def _authorized(self, request: web.Request) -> bool:
        """Whether the request carries a live token or a valid OAuth 1.0a signature."""
        header = request.headers.get("Authorization", "")
        if self.oauth1 is not None:
            return _signed(request, *self.oauth1)
        if self.token_uses is None:
            return True
        token = header.removeprefix("Bearer ")
        self._uses[token] += 1
        return token in self.tokens and self._uses[token] <= self.token_uses

    async def collection(self, request: web.Request) -> web.Response:
        """One page of a collection."""
        name = request.match_info["name"]
        self.requests.append(str(request.rel_url))
        if not self._authorized(request):
            return web.json_response(_status_info("unauthorisedrequest"), status=401)
        records = [r for r in self.collections.get(name, []) if _matches(r, request)]
        limit = int(request.query.get("limit", "100"))
        start = int(request.query.get("cursor" if self.link_only else "offset", "0"))
        number = start // limit + 1
        if self.throttled.get((name, number), 0) > 0:
            self.throttled[name, number] -= 1
            return web.json_response(
                _status_info("server_busy"), status=429, headers={"Retry-After": "7"}
            )
        if (name, number) in self.broken:
            status = self.broken[name, number]
            return web.json_response(_status_info("internal_server_error"), status=status)
        headers, body = {}, {name: records[start : start + limit]}
        if self.count_header == "totalCount":  # Timeback puts it in the body
            body["totalCount"] = len(records)  # type: ignore[assignment]
        elif self.count_header and not self.link_only:
            headers[self.count_header] = str(len(records))
        if self.link_only and start + limit < len(records):
            url = request.rel_url.update_query(cursor=start + limit)
            headers["Link"] = f'<{url}>; rel="next", <{request.rel_url}>; rel="self"'
        elif self.link_only or self.self_link:
            headers["Link"] = f'<{request.rel_url}>; rel="self"'
        return web.json_response(body, headers=headers)


def _matches(record: dict[str, Any], request: web.Request) -> bool:
    """Whether a record passes the request's ``dateLastModified>'…'`` filter (if any)."""
    filter_ = request.query.get("filter", "")
    if not filter_:
        return True
    assert filter_.startswith("dateLastModified>'") and filter_.endswith("'"), filter_
    return str(record.get("dateLastModified", "")) > filter_[len("dateLastModified>'") : -1]


def _status_info(minor: str) -> dict[str, Any]:
    """An imsx_StatusInfo error body."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": f"the request failed: {minor}",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }


def _signed(request: web.Request, key: str, secret: str) -> bool:
    """Verify an OAuth 1.0a signature as a provider would (RFC 5849 §3.4)."""
    params = signature.collect_parameters(
        uri_query=request.rel_url.raw_query_string,
        headers=dict(request.headers),
        exclude_oauth_signature=True,
        with_realm=False,
    )
    given = dict(
        signature.collect_parameters(
            headers=dict(request.headers), exclude_oauth_signature=False, with_realm=False
        )
    )
    if given.get("oauth_consumer_key") != key:
        return False
    uri = signature.base_string_uri(str(request.url.with_query(None)))
    base = signature.signature_base_string("GET", uri, signature.normalize_parameters(params))
    sign = {
        "HMAC-SHA256": signature.sign_hmac_sha256_with_client,
        "HMAC-SHA1": signature.sign_hmac_sha1_with_client,
    }
    method = given.get("oauth_signature_method", "")
    if method not in sign:
        return False
    client = SimpleNamespace(client_secret=secret, resource_owner_secret="")
    return hmac.compare_digest(sign[method](base, client), given.get("oauth_signature", ""))


def _ref(key: str, kind: str) -> dict[str, str]:
    """A GUIDRef."""
    return {"href": f"https://provider.example/{kind}s/{key}", "sourcedId": key, "type": kind}


def world_json(world: World) -> Collections:
    """The same roster as ``World.write`` writes, as a 1.1 REST provider serves it."""
    sessions = [
        {
            "sourcedId": "T1",
            "status": "active",
            "dateLastModified": "2026-08-01T00:00:00.000Z",
            "title": "2026",
            "type": "schoolYear",
            "startDate": "2026-08-15",
            "endDate": "2027-06-20",
            "schoolYear": "2027",
        }
    ]
    common = {"status": "active", "dateLastModified": "2026-08-01T00:00:00.000Z"}
    classes = [
        {**common, "sourcedId": k, "title": t, "classType": "homeroom", "school": _ref(s, "org")}
        | {"terms": [_ref("T1", "academicSession")]}
        for k, (t, s) in world.homerooms.items()
    ] + [
        {**common, "sourcedId": k, "title": t, "classType": "scheduled", "school": _ref(s, "org")}
        | {"terms": [_ref("T1", "academicSession")], "course": _ref(f"C-{k}", "course")}
        for k, (t, s) in world.subjects.items()
    ]
    return {
        "orgs": [
            {**common, "sourcedId": k, "name": n, "type": "school"}
            for k, n in world.schools.items()
        ],
        "academicSessions": sessions,
        "courses": [
            {**common, "sourcedId": f"C-{k}", "title": t, "org": _ref(s, "org")}
            | {"schoolYear": _ref("T1", "academicSession")}
            for k, (t, s) in world.subjects.items()
        ],
        "classes": classes,
        "users": [
            {
                **common,
                "sourcedId": u.key,
                "enabledUser": u.enabled,
                "orgs": [_ref(o, "org") for o in u.orgs.split(",") if o],
                "role": u.role,
                "username": u.username,
                "givenName": u.given,
                "familyName": u.family,
                "email": u.email,
                "agents": [_ref(a, "user") for a in u.agents.split(",") if a],
            }
            for u in world.users
        ],
        "enrollments": [
            {**common, "sourcedId": f"E-{u}-{c}-{r}", "role": r}
            | {"user": _ref(u, "user"), "class": _ref(c, "class")}
            | {"school": _ref({**world.homerooms, **world.subjects}[c][1], "org")}
            for u, c, r in world.enrollments
        ],
    }
