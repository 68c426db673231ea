"""GET OneRoster collections page by page: the paging rules, retries, and token refresh.

Paging, robust to how providers differ (reference §A.3 and pain point 2):
- a ``Link rel=next`` is followed when sent; a provider that pages with Link
  headers (it sent a next, or sends prev, first or last) and sends no ``next``
  has no more pages;
- otherwise ``offset`` steps on by the records received (which is ``limit`` when
  the provider honours it; a provider that caps pages lower loses nothing);
- it stops on an empty page, at the total (``X-Total-Count``, ``X-Total`` or a
  body ``totalCount``), or, without a total, on a page shorter than ``limit``;
- an empty page before the announced total, a page of records already seen (a
  provider that ignores ``offset``), a ``next`` link to another host, a missing
  envelope and the page cap all fail the pull: a roster cut short must never
  read as everyone left.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from mapping.records import FeedError, RowIssue
from oneroster.restauth import Authorizer

RETRIED = frozenset({429, 500, 502, 503, 504})
TOTAL_HEADERS = ("X-Total-Count", "X-Total")
PAGING_RELS = frozenset({"next", "prev", "first", "last"})  # not "self": it says nothing
NETWORK = 0  # the status of a request that got no answer


@dataclass(frozen=True, slots=True)
class Retry:
    """How failed requests are tried again: how often, how long to wait at most, how."""

    retries: int = 4
    max_wait: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before try ``attempt + 1``: as Retry-After says, else backing off."""
        told = _seconds(retry_after)
        if told is None:
            told = 2.0**attempt * (1 + random.random() / 4)  # jitter: clients must not march
        return min(told, self.max_wait)


def _seconds(retry_after: str | None) -> float | None:
    """A Retry-After value (seconds or an HTTP date) in seconds from now."""
    if not retry_after:
        return None
    try:
        return max(float(retry_after), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(retry_after)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


@dataclass
class Page:
    """One page of a collection, and what it says about the next."""

    records: list[dict[str, Any]]
    total: int | None = None
    next: URL | None = None
    linked: bool = False  # the provider pages with Link headers
    issues: list[RowIssue] = field(default_factory=list)


class Fetcher:
    """GETs with authorization, retries and a once-per-request token refresh."""

    def __init__(self, session: aiohttp.ClientSession, auth: Authorizer, retry: Retry) -> None:
        self.session, self.auth, self.retry = session, auth, retry

    async def collection(
        self, name: str, url: URL, limit: int, max_pages: int
    ) -> AsyncIterator[Page]:
        """Every page of collection ``name``, from ``url`` on."""
        url = url.update_query(limit=limit, offset=0)
        received, seen, linked = 0, set[str](), False
        for _ in range(max_pages):
            page = await self.page(name, url)
            yield page
            fresh = _note(seen, page.records)
            received += len(page.records)
            short = page.total is not None and received < page.total
            ends = f"ends at {received} of {page.total} records"
            if page.next is not None:
                _check(page.next.origin() == url.origin(), url, "points Link rel=next elsewhere")
                _check(fresh or not page.records, url, "sends the same records again")
                url, linked = page.next, True
                continue
            if linked or page.linked:  # it pages by links, and there is no next
                _check(not short, url, ends)
                return
            if short:
                _check(bool(page.records), url, ends)
            elif not page.records or page.total is not None or len(page.records) < limit:
                return
            _check(fresh, url, "ignores offset: it sends the same records again")
            url = url.update_query(offset=received)
        raise FeedError(
            f"{name}: more than {max_pages} pages; the pull stops rather than read part",
            code="rest_paging",
        )

    async def page(self, name: str, url: URL) -> Page:
        """One page of collection ``name``."""
        body, headers, links = await self.get(url)
        records = body.get(name) if isinstance(body, dict) else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise FeedError(f"GET {url}: the answer holds no {name!r} list", code="rest_envelope")
        nxt = links.get("next")
        return Page(
            records,
            _total(headers, body),
            None if nxt is None else URL(str(nxt.get("url"))),
            bool(PAGING_RELS & set(links)),
            list(_status_info(body, url)),
        )

    async def get(self, url: URL) -> tuple[Any, CIMultiDictProxy[str], Any]:
        """The JSON body, headers and links of a 200 answer to GET ``url``."""
        refreshed, attempt = False, 0
        while True:
            headers = await self.auth.headers(self.session, str(url))
            try:
                async with self.session.get(
                    url, headers=headers, raise_for_status=False
                ) as response:
                    status, after = response.status, response.headers.get("Retry-After")
                    if status == 200:
                        body = await response.json(content_type=None)
                        return body, response.headers, response.links
                    text = await response.text(errors="replace")
            except (aiohttp.ClientError, TimeoutError) as err:
                status, after, text = NETWORK, None, str(err) or type(err).__name__
            except ValueError as err:
                raise FeedError(f"GET {url}: the answer is no JSON", code="rest_response") from err
            if status == 401 and self.auth.refreshable and not refreshed:
                self.auth.forget()  # expired or revoked: one new token, then it is a failure
                refreshed = True
            elif (status == NETWORK or status in RETRIED) and attempt < self.retry.retries:
                await self.retry.sleep(self.retry.wait(attempt, after))
                attempt += 1
            else:
                raise _failure(url, status, text)


def _note(seen: set[str], records: list[dict[str, Any]]) -> bool:
    """Remember a page's keys; whether any of them is new."""
    keys = {str(r.get("sourcedId")) for r in records}
    fresh = not keys <= seen
    seen |= keys
    return fresh


def _check(ok: bool, url: URL, what: str) -> None:
    """Fail the pull when a paging rule is broken."""
    if not ok:
        raise FeedError(f"GET {url}: the provider {what}", code="rest_paging")


def _total(headers: CIMultiDictProxy[str], body: Any) -> int | None:
    """The collection's size, from a count header or the body, when the provider says."""
    values = [headers.get(name) for name in TOTAL_HEADERS]
    values.append(body.get("totalCount") if isinstance(body, dict) else None)
    for value in values:
        try:
            return int(str(value))
        except ValueError:
            continue
    return None


def _status_info(body: Any, url: URL) -> list[RowIssue]:
    """The warnings a 1.2 provider puts beside the data (``statusInfoSet``)."""
    infos = body.get("statusInfoSet") if isinstance(body, dict) else None
    return [
        RowIssue("warning", "rest_status_info", _describe(info), "", "", None, str(url))
        for info in (infos if isinstance(infos, list) else [])
        if isinstance(info, dict)
    ]


def _describe(info: dict[str, Any]) -> str:
    """An ``imsx_StatusInfo`` in a line."""
    parts = [info.get("imsx_codeMajor"), info.get("imsx_description")]
    minor = info.get("imsx_CodeMinor", {})
    fields = minor.get("imsx_codeMinorField", []) if isinstance(minor, dict) else []
    parts += [f.get("imsx_codeMinorFieldValue") for f in fields if isinstance(f, dict)]
    return ": ".join(str(p) for p in parts if p) or "the provider reports a problem"


def _failure(url: URL, status: int, text: str) -> FeedError:
    """The FeedError for a request that failed for good."""
    if status == NETWORK:
        return FeedError(f"GET {url}: no answer ({text})", code="rest_unreachable")
    code = "rest_unauthorized" if status in (401, 403) else "rest_http"
    try:
        detail = ": " + _describe(json.loads(text))
    except (ValueError, AttributeError):  # no imsx_StatusInfo: the status says enough
        detail = ""
    return FeedError(f"GET {url}: HTTP {status}{detail}", code=code)
