"""OneRoster 1.1 and 1.2 REST client: pull a provider's roster as the CSV reader's records.

A pull runs in two steps, so that a failure part-way can never pass for a roster:

1. ``download`` (async, on an injected ``aiohttp.ClientSession``) reads every
   collection to its end and writes the pages, as they come, as a CSV package in
   a folder (``oneroster.restrows``). Any failure (HTTP, auth, paging, a page
   cap) raises FeedError before a single record is handed out.
2. ``Pulled.records()`` streams that package through the CSV reader, so the
   records are exactly those a CSV package of the same roster gives; issues name
   the REST collection instead of a CSV file. A full pull ends with the Scopes of
   the entities read in full; a delta pull (``since``) declares none.

The orchestrator is synchronous and runs in a worker thread: it calls
``open_pull(options)``, a context manager that runs the download on its own
event loop and session and yields the ``Pulled`` (records, cursor); the
temporary folder is removed on exit. Async callers use ``pull`` or ``download``.
Memory stays bounded by one page: the roster waits on disk, not in a list.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from mapping.records import FeedError, MembershipBatch, Record, RowIssue, Scope
from oneroster import reader
from oneroster.columns import Mode, Version
from oneroster.options import ReadOptions
from oneroster.package import UNBOUNDED
from oneroster.restauth import Auth, Authorizer
from oneroster.resthttp import Fetcher, Retry
from oneroster.restrows import Writer

BASE_PATHS: dict[Version, str] = {
    "1.1": "/ims/oneroster/v1p1",
    "1.2": "/ims/oneroster/rostering/v1p2",
}
# What provisioning reads, in the CSV reader's order; 1.2 roles come inside users.
COLLECTIONS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments")
_CSV_NAME = re.compile(r"\b(orgs|academicSessions|courses|classes|roles|users|enrollments)\.csv\b")


@dataclass(frozen=True, slots=True)
class PullOptions:
    """Where and how to pull.

    ``url`` is the provider's root; ``base_path`` overrides the version's path for
    providers that serve one version at the other's (ClassLink: 1.2 data at v1p1).
    ``since`` makes a delta pull of what changed after that dateLastModified.
    ``page_size`` is the ``limit`` asked for; ``max_pages`` caps each collection.
    Failed requests (429, 5xx, network) are tried ``retries`` more times, waiting
    as Retry-After says or backing off, never longer than ``max_wait`` seconds;
    ``sleep`` is what waits (tests pass one that does not).
    """

    url: str
    version: Version = "1.2"
    auth: Auth | None = None
    since: str = ""
    base_path: str = ""
    page_size: int = 100
    max_pages: int = 10_000
    retries: int = 4
    max_wait: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    today: date | None = None

    @property
    def base(self) -> URL:
        """The service's base URL."""
        return URL(self.url.rstrip("/") + (self.base_path or BASE_PATHS[self.version]))


@dataclass
class Pulled:
    """A downloaded pull: its package folder, the issues paging raised, the next cursor."""

    folder: Path
    options: PullOptions
    issues: list[RowIssue] = field(default_factory=list)
    cursor: str = ""  # the latest dateLastModified seen (or ``since``): the next delta's start

    def records(self) -> Iterator[Record | RowIssue]:
        """The pull's records and issues, as the CSV reader gives them, then its Scopes."""
        return _records(self.folder, str(self.options.base), self.issues, self.options.today)

    def keep(self, folder: Path) -> None:
        """Write the pull as a spool folder: ``package/`` and ``pull.json`` (where, issues).

        ``download`` into ``folder / "package"`` first; ``read_kept`` reads it back.
        """
        note = {"base": str(self.options.base), "issues": [asdict(i) for i in self.issues]}
        (folder / KEPT_NOTE).write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")


KEPT_PACKAGE, KEPT_NOTE = "package", "pull.json"


def read_kept(folder: Path, today: date | None = None) -> Iterator[Record | RowIssue]:
    """A kept pull (``Pulled.keep``) read as its records and issues, as when it was pulled."""
    try:
        note = json.loads((folder / KEPT_NOTE).read_text(encoding="utf-8"))
        issues = [RowIssue(**issue) for issue in note["issues"]]
        base = str(note["base"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise FeedError(f"{folder.name}: not a kept OneRoster REST pull ({err})") from None
    return _records(folder / KEPT_PACKAGE, base, issues, today)


def _records(
    folder: Path, base: str, issues: list[RowIssue], today: date | None
) -> Iterator[Record | RowIssue]:
    """A pulled package's issues, then its records as the CSV reader gives them (REST names)."""
    yield from issues
    labels = {f"{name}.csv": f"{base}/{name}" for name in COLLECTIONS}
    labels["roles.csv"] = f"{base}/users"
    # Row by row: a REST record has no line, and a batch's rows have theirs.
    read = ReadOptions(file=base, today=today, column_bytes=UNBOUNDED)
    for item in reader.read(folder, read):
        if not isinstance(item, Scope | MembershipBatch):
            # A REST record has no line: it is found by its key in its collection.
            item.file, item.line = labels.get(item.file, base), None
        if isinstance(item, RowIssue):
            item.message = _CSV_NAME.sub(r"\1", item.message)
        yield item


async def download(session: aiohttp.ClientSession, options: PullOptions, folder: Path) -> Pulled:
    """Read every collection into ``folder``; FeedError if any of it cannot be read."""
    retry = Retry(options.retries, options.max_wait, options.sleep)
    fetcher = Fetcher(session, Authorizer(options.auth), retry)
    if options.since and not _is_datetime(options.since):
        raise FeedError(f"the cursor {options.since!r} is no date-time", code="rest_cursor")
    mode: Mode = "delta" if options.since else "bulk"
    query = {"filter": f"dateLastModified>'{options.since}'"} if options.since else {}
    pulled = Pulled(folder, options, cursor=options.since)
    writer = Writer(folder, options.version, mode)
    try:
        for name in COLLECTIONS:
            url = (options.base / name).with_query(query)
            async for page in fetcher.collection(name, url, options.page_size, options.max_pages):
                writer.add(name, page.records)
                pulled.issues.extend(page.issues)
                pulled.cursor = max([pulled.cursor, *_modified(page.records)])
    finally:
        writer.close()
    writer.finish()
    for name, count in writer.dropped.items():
        pulled.issues.append(
            RowIssue(
                "info",
                "rest_deleted_in_full",
                f"{count} record(s) with status tobedeleted left out: a full pull is what is "
                "active, and what it leaves out is gone",
                writer.specs[name].entity,
                "",
                None,
                f"{options.base}/{name}",
            )
        )
    return pulled


def _is_datetime(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 date-time (nothing else may enter a filter)."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _modified(records: list[dict[str, Any]]) -> list[str]:
    """The dateLastModified values of a page."""
    return [v for v in (r.get("dateLastModified") for r in records) if isinstance(v, str)]


async def pull(session: aiohttp.ClientSession, options: PullOptions) -> list[Record | RowIssue]:
    """Download a pull and read it to the end: every record and issue, in order."""
    with tempfile.TemporaryDirectory(prefix="oneroster-pull-") as folder:
        pulled = await download(session, options, Path(folder))
        return list(pulled.records())


@contextlib.contextmanager
def open_pull(options: PullOptions) -> Iterator[Pulled]:
    """Download a pull on its own event loop and session (from a thread with no loop running)."""

    async def run(folder: Path) -> Pulled:
        async with aiohttp.ClientSession(raise_for_status=False) as session:
            return await download(session, options, folder)

    with tempfile.TemporaryDirectory(prefix="oneroster-pull-") as folder:
        yield asyncio.run(run(Path(folder)))
