"""Pulls: fetch a pulled source's feed into the spool and queue it like a push.

``pull`` is async (it downloads on the running event loop; its few store calls go to a
thread), so the scheduler awaits it from its jobs and the CLI runs it with
``asyncio.run``::

    async def pull(sessions, config, source_name, *, origin="cli", full=False,
                   dry_run=False) -> PullResult

Each try downloads the WHOLE feed into a fresh spool file first; a failed try (network,
HTTP 429 or 5xx, auth, a broken or cut-short download) discards its file, waits
``pull_backoff_seconds`` (doubling after each try) and tries again, up to ``pull_attempts``.
Then, exactly one of:

- ``queued``: the spool file is enqueued (``gateway.queue.enqueue``, with ``origin``) and a
  worker applies it like any push; the kept spool file can be run again. The state the pull
  leaves (the delta cursor, the ETag, the file taken) moves onto the source only when that
  run is applied (``gateway.store.pulls.applied``).
- ``unchanged``: the source says nothing changed (HTTP 304, no new file); a run is recorded
  that says "unchanged since run N" and changes nothing.
- ``failed``: every try failed; a ``failed`` run is recorded with the reason. Nothing partial
  ever reaches the store.

A usage problem (no such source, not a pulled source, no secret key) raises UsageError and
records no run.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.errors import UsageError
from gateway.pull.fetched import TRANSIENT, Fetched, Kind, Refused
from gateway.queue import enqueue, spool
from gateway.store import models as m
from gateway.store import owners, pulls, runs, sources
from gateway.sync.report import empty_counts
from mapping.records import RowIssue

log = logging.getLogger(__name__)

Outcome = Literal["queued", "unchanged", "failed"]
# What waits between tries (tests put one in that does not).
sleep = asyncio.sleep


@dataclass(frozen=True)
class PullResult:
    """What a pull came to: the run it made, and how it went."""

    run: int
    outcome: Outcome
    message: str = ""
    attempts: int = 1


def _kind(name: str) -> Kind:
    """The fetcher of a kind of pull (imported on use: SFTP loads asyncssh)."""
    if name == "rest":
        from gateway.pull.rest import fetch as rest

        return rest
    if name == "url":
        from gateway.pull.url import fetch as url

        return url
    if name == "sftp":
        from gateway.pull.sftp import fetch as sftp

        return sftp
    raise UsageError(f"unknown kind of pull {name!r}")


async def pull(
    sessions: sessionmaker[Session],
    config: Config,
    source_name: str,
    *,
    origin: str = "cli",
    full: bool = False,
    dry_run: bool = False,
) -> PullResult:
    """Fetch the source's feed and queue its run (or record it unchanged, or failed)."""
    target = await asyncio.to_thread(_target, sessions, source_name)
    fetch = _kind(str(target.settings.get("kind")))
    folder = spool.directory(config)
    reason, attempts = "", max(config.pull_attempts, 1)
    for attempt in range(1, attempts + 1):
        try:
            fetched = await fetch(config, target, folder, full)
        except Refused as err:  # trying again would not help (or would be unsafe)
            reason, attempts = _reason(err), attempt
            break
        except TRANSIENT as err:
            reason = _reason(err)
            log.warning("pull of %s, try %s of %s: %s", source_name, attempt, attempts, reason)
            if attempt < attempts:
                await sleep(config.pull_backoff_seconds * 2 ** (attempt - 1))
            continue
        return await asyncio.to_thread(_queue, sessions, target, fetched, origin, dry_run, attempt)
    tries = "1 try" if attempts == 1 else f"{attempts} tries"
    message = f"the pull failed after {tries}: {reason}"
    run = await asyncio.to_thread(_record, sessions, target, origin, dry_run, message, failed=True)
    return PullResult(run, "failed", message, attempts)


async def settle(sessions: sessionmaker[Session], config: Config, source_name: str) -> None:
    """Tidy after a pull's run is applied: an SFTP pull's file goes to ``done/``.

    Every pull also does it first, so calling this is only to do it now; a failure is logged.
    """
    target = await asyncio.to_thread(_target, sessions, source_name)
    if target.settings.get("kind") == "sftp":
        from gateway.pull import sftp

        try:
            await sftp.settle(config, target)
        except TRANSIENT as err:  # the next pull moves it instead
            log.warning("pull of %s: could not move its file to done/: %s", source_name, err)


def _reason(err: BaseException) -> str:
    """Why a try failed, in one line."""
    text = str(err).strip() or type(err).__name__
    return " ".join(text.splitlines())


def _target(sessions: sessionmaker[Session], name: str) -> pulls.Target:
    """The source to pull, read in a short transaction."""
    with sessions() as session:
        return pulls.target(session, name)


def _queue(
    sessions: sessionmaker[Session],
    target: pulls.Target,
    fetched: Fetched,
    origin: str,
    dry_run: bool,
    attempt: int,
) -> PullResult:
    """Enqueue a fetched feed, or record that nothing changed."""
    if fetched.path is None:
        since = target.state.get("run")
        message = f"unchanged since run {since}" if since else "unchanged"
        run = _record(sessions, target, origin, dry_run, message, failed=False)
        return PullResult(run, "unchanged", message, attempt)
    try:
        with sessions.begin() as session:
            run = enqueue(
                session,
                source=target.name,
                fmt=fetched.format,
                spool_path=fetched.path,
                options={pulls.OPTION: fetched.state},
                dry_run=dry_run,
                origin=origin,
            )
    except BaseException:
        spool.discard(fetched.path)
        raise
    return PullResult(run, "queued", f"queued as run {run}", attempt)


def _record(
    sessions: sessionmaker[Session],
    target: pulls.Target,
    origin: str,
    dry_run: bool,
    message: str,
    *,
    failed: bool,
) -> int:
    """Record a pull that queued nothing: failed with its reason, or unchanged."""
    fmt = "oneroster" if target.format not in ("ims", "oneroster", "csv") else target.format
    label = str(target.settings.get("url") or target.settings.get("sftp_path") or target.name)
    code = "pull_failed" if failed else "pull_unchanged"
    issue = RowIssue("error" if failed else "info", code, message, file=label)
    with sessions.begin() as session:
        source_id = sources.ensure(session, target.name)
        run = runs.start(session, source_id=source_id, fmt=fmt, file=label, dry_run=dry_run)
        values = {"origin": origin, "queued_at": owners.now()}
        session.execute(update(m.ImportRun).where(m.ImportRun.id == run).values(values))
        if failed:
            runs.fail(session, run, message, [issue], owners.now())
        else:
            done = {"state": "applied", "finished_at": owners.now(), "counts": empty_counts()}
            session.execute(update(m.ImportRun).where(m.ImportRun.id == run).values(done))
            runs.save_issues(session, run, [issue])
    return run


__all__ = ["PullResult", "pull", "settle"]
