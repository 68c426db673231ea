"""The one orchestrator: every import, preview, approval and discard goes through here.

read → collect → snapshot → plan → safety → apply (one transaction) → report.
A preview is the same path with ``dry_run=True``: it stops before apply.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from gateway import memory
from gateway.config import Config
from gateway.errors import ConflictError, UsageError
from gateway.feeds import Feed, open_records
from gateway.store import lookup, owners, runs, schedules, snapshot, sources, writer
from gateway.store import models as m
from gateway.store import revert as revert_inputs
from gateway.store.locks import source_lock, write_lock
from gateway.store.progress import Listener, RunProgress
from gateway.sync import runlog, safety
from gateway.sync.changes import Plan, Policy
from gateway.sync.desired import Desired, collect, counted
from gateway.sync.plan import plan
from gateway.sync.report import Report
from gateway.sync.revert import plan_revert
from gateway.sync.suspend import suspend_damaged
from mapping.records import FeedError, RowIssue
from mapping.usernames import USERNAME_MODES, UsernameMode

log = logging.getLogger(__name__)


@contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a run builds millions of small objects.

    Records, snapshot rows and plan tuples hold no reference cycles, yet every few
    hundred allocations the collector would walk them all again: a fifth of a large run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def policy_for(
    config: Config,
    feed: Feed,
    settings: Mapping[str, Any],
    schools: tuple[str, ...] = (),
    today: date | None = None,
) -> Policy:
    """The policy a feed runs under: the command's options, then the source's effective
    settings (``sources.effective_settings``), then the site's; ``schools``: the source's."""
    usernames = feed.options.get("usernames") or settings.get("usernames") or config.usernames
    if usernames not in USERNAME_MODES:
        raise UsageError(f"usernames must be one of {', '.join(USERNAME_MODES)}, not {usernames!r}")
    mode: UsernameMode = usernames
    threshold = float(settings.get("removal_threshold", config.removal_threshold))
    window = float(settings.get("removal_window", config.removal_window))
    minimum = int(settings.get("removal_min", config.removal_min))
    # The gateway's own CSV adds and updates only: it never expires or removes.
    removals = bool(settings.get("removals", True)) and feed.format != "csv"
    welcome = str(settings.get("mail_language", config.mail_language))
    welcome = welcome if settings.get("welcome_email", False) else ""
    return Policy(
        mode, today or date.today(), threshold, removals, window, minimum, schools, welcome
    )


def _read(
    feed: Feed, config: Config, settings: Mapping[str, Any], progress: RunProgress
) -> Desired:
    """Read the whole feed into the desired state; a FeedError means nothing is written.

    ``settings``: the source's effective settings, over the site's reader settings.
    """
    site = {"pifu_schema": config.pifu_schema, "max_line_bytes": config.max_line_bytes}
    progress("read", 0)
    with open_records(feed, {**site, **settings}) as records:
        desired = collect(counted(records, lambda count: progress("read", count)))
    progress("plan", progress.read, progress.read)
    return desired


@dataclass(frozen=True)
class Job:
    """One run's fixed facts: its feed, source and run rows, policy, and progress."""

    feed: Feed
    source_id: int
    run_id: int
    policy: Policy
    dry_run: bool
    progress: RunProgress


def _plan_and_apply(session: Session, desired: Desired, job: Job) -> Report:
    """Plan against a fresh snapshot, then preview, hold or apply, all in one transaction."""
    feed, policy, run_id, memberships = job.feed, job.policy, job.run_id, desired.memberships
    snap = snapshot.load(
        session, job.source_id, feed.source_name, memberships.by_key, memberships.groups()
    )
    if feed.format == "csv":  # the CSV names schools by text: any source's school may answer
        lookup.schools(session, feed.source_name).adopt(snap, desired.orgs)
    the_plan = plan(desired, snap, policy)
    memory.release()
    suspend_damaged(the_plan, desired, snap)
    if the_plan.removes_anything:
        since = now() - timedelta(hours=policy.removal_window)
        earlier = safety.Window(
            policy.removal_window,
            safety.removed(snap, runs.removals_since(session, job.source_id, since)),
        )
        the_plan.held = safety.check(
            the_plan, snap, policy.removal_threshold, minimum=policy.removal_min, window=earlier
        )
    if job.dry_run:
        return runs.finish(session, run_id, "previewed", the_plan, now())
    if the_plan.held:
        return runs.finish(session, run_id, "held", the_plan, now())
    if the_plan.changes_anything:
        job.progress("apply", job.progress.read, job.progress.read)
        writer.apply(session, the_plan, run_id, now())
    runs.mark_applied(session, run_id)
    return runs.finish(session, run_id, "applied", the_plan, now())


def run(
    sessions: sessionmaker[Session],
    config: Config,
    feed: Feed,
    *,
    dry_run: bool = False,
    today: date | None = None,
    run_id: int | None = None,
    progress: Listener | None = None,
) -> Report:
    """Import one feed (or preview it) and return its report.

    ``run_id`` names a queued run a worker has claimed (``gateway.queue``): the run goes on
    that row instead of a new one. ``progress`` hears how far the run has come, as its row
    records it. Runs of one source hold its lock, so they never apply at once.
    """
    started = time.monotonic()
    with source_lock(sessions.kw["bind"], feed.source_name):
        with sessions.begin() as session:
            owners.recover(session, config.heartbeat_timeout)
            if feed.format == "csv" and feed.options.get("school"):
                schools = lookup.schools(session, feed.source_name)
                school = schools.canonical(feed.options["school"])
                feed = dataclasses.replace(feed, options={**feed.options, "school": school})
            source_id = sources.ensure(session, feed.source_name, feed.format)
            settings = sources.effective_settings(session, config, feed.source_name)
            policy = policy_for(config, feed, settings, sources.scope(session, source_id), today)
            only = str(feed.options.get("only_school", ""))
            if only:  # checked against the source's schools when the run was queued
                policy = dataclasses.replace(policy, schools=(only,), only_school=only)
            rollover = schedules.window_on(session, source_id, "additions_only", policy.today)
            if rollover is not None:
                policy = dataclasses.replace(policy, additions_only=schedules.span(rollover))
            if run_id is None:
                run_id = runs.start(
                    session,
                    source_id=source_id,
                    fmt=feed.format,
                    file=feed.path.name,
                    dry_run=dry_run,
                )
        recorder = RunProgress(sessions, run_id, listener=progress)
        job = Job(feed, source_id, run_id, policy, dry_run, recorder)
        report = _guarded(sessions, config, settings, job, started)
    return _logged(sessions, report, started)


def _guarded(
    sessions: sessionmaker[Session],
    config: Config,
    settings: Mapping[str, Any],
    job: Job,
    started: float,
) -> Report:
    """Run with a heartbeat; a feed that cannot be read, or any error, fails the run."""
    try:
        with without_gc(), owners.heartbeat(sessions, job.run_id, config.heartbeat_timeout / 4):
            memory.steady_threshold()
            desired = _read(job.feed, config, settings, job.progress)
            memory.release()  # the parsers' scratch: the plan's peak starts from what is held
            return _run(sessions, desired, job)
    except FeedError as err:
        file = err.file or job.feed.path.name
        issue = RowIssue("error", err.code, err.message, line=err.line, file=file)
        with sessions.begin() as session:
            return runs.fail(session, job.run_id, str(err), [issue], now())
    except BaseException as err:
        _record_failure(sessions, job.run_id, err, started)
        raise


def _logged(sessions: sessionmaker[Session], report: Report, started: float) -> Report:
    """Log a finished run's line, once its transaction has committed; return its report."""
    with sessions() as session:
        runlog.finished(session, report, time.monotonic() - started)
    return report


def _record_failure(
    sessions: sessionmaker[Session], run_id: int, err: BaseException, started: float
) -> None:
    """Mark a run failed by an error (or Ctrl-C) the caller will see; note it on the error.

    Apply is one transaction, so nothing was written. When even the failure cannot be
    recorded (the store is gone), the run is failed later as interrupted.
    """
    what = "interrupted" if isinstance(err, KeyboardInterrupt) else f"error: {err!r}"
    try:
        with sessions.begin() as session:
            report = runs.fail(session, run_id, what, [], now())
        _logged(sessions, report, started)
    except Exception:
        log.info("run %s: could not record the failure", run_id, exc_info=True)
        return
    err.add_note(f"run {run_id} is recorded as failed; nothing was written")


def _run(sessions: sessionmaker[Session], desired: Desired, job: Job) -> Report:
    """Plan and apply, planning again once if another writer got in first."""
    for attempt in (1, 2):
        try:
            with sessions.begin() as session:
                if not job.dry_run:
                    write_lock(session)
                report = _plan_and_apply(session, desired, job)
            break
        except ConflictError:
            if attempt == 2:
                raise
            log.info("run %s: the store changed while planning; planning again", job.run_id)
    return report


def approve(sessions: sessionmaker[Session], run_id: int) -> Report:
    """Apply a held run's plan if the store has not changed since it was made."""
    started = time.monotonic()
    with without_gc(), sessions.begin() as session:
        run_row = runs.get(session, run_id)
        if run_row.state != "held":
            raise UsageError(f"run {run_id} is {run_row.state}, not held: nothing to approve")
        held: Plan = runs.stored_plan(run_row)
        current = snapshot.revision(session)
        if current != held.revision:
            raise ConflictError(
                f"the store changed since run {run_id} was planned (revision {held.revision}, "
                f"now {current}); import the feed again for a fresh plan, and discard this one"
            )
        writer.apply(session, held, run_id, now())
        runs.mark_applied(session, run_id)
        runs.set_state(session, run_id, "applied", now())
        report = runs.report(session, run_id)
    return _logged(sessions, report, started)


def still_current(session: Session, preview: m.ImportRun) -> None:
    """Refuse a preview the store has moved on from: applying it would write what nobody saw."""
    if preview.revision != snapshot.revision(session):
        raise ConflictError(
            f"the store changed since the preview (run {preview.id}); preview again"
        )


def apply_preview(sessions: sessionmaker[Session], preview_id: int) -> Report:
    """Apply the plan a preview kept, as a run of its own (held if the preview said so), if
    the store has not changed since: what the admin saw is what is written."""
    started = time.monotonic()
    with without_gc(), sessions.begin() as session:
        preview = runs.get(session, preview_id)
        if not preview.dry_run or preview.state != "previewed":
            raise UsageError(f"run {preview_id} is not a preview: there is nothing to apply")
        kept: Plan = runs.stored_plan(preview)
        still_current(session, preview)
        run_id = runs.start(
            session, source_id=preview.source_id, fmt=preview.format, file=preview.file
        )
        runs.set_input(session, run_id, preview)
        if kept.held:
            report = runs.finish(session, run_id, "held", kept, now())
        else:
            if kept.changes_anything:
                writer.apply(session, kept, run_id, now())
            runs.mark_applied(session, run_id)
            report = runs.finish(session, run_id, "applied", kept, now())
    return _logged(sessions, report, started)


def discard(
    sessions: sessionmaker[Session], run_id: int, heartbeat_timeout: float = 600.0
) -> Report:
    """Drop a held run's plan, or a running run whose process is gone; nothing is written."""
    started = time.monotonic()
    with sessions.begin() as session:
        run_row = runs.get(session, run_id)
        if run_row.state == "running":
            reason = owners.gone(run_row, heartbeat_timeout, now())
            if not reason:
                raise UsageError(
                    f"run {run_id} is still running (process {run_row.owner_pid} on "
                    f"{run_row.owner_host}): let it finish, or stop that process first"
                )
            run_row.error = f"{reason}; nothing was written"
        elif run_row.state != "held":
            raise UsageError(f"run {run_id} is {run_row.state}, not held: nothing to discard")
        runs.set_state(session, run_id, "discarded", now())
        report = runs.report(session, run_id)
    return _logged(sessions, report, started)


def revert(sessions: sessionmaker[Session], run_id: int, *, dry_run: bool = False) -> Report:
    """Undo an applied run from its change log, as a run of its own."""
    started = time.monotonic()
    with sessions.begin() as session:
        target = runs.get(session, run_id)
        if target.state != "applied":
            raise UsageError(f"run {run_id} is {target.state}: only an applied run can be reverted")
        revert_id = runs.start(
            session,
            source_id=target.source_id,
            fmt=target.format,
            file=target.file,
            kind="revert",
            dry_run=dry_run,
            reverts=run_id,
        )
    try:
        with sessions.begin() as session:
            report = _revert(session, run_id, revert_id, dry_run)
    except Exception as err:  # the transaction wrote nothing; the revert run says why
        with sessions.begin() as session:
            failed = runs.fail(
                session, revert_id, f"revert of run {run_id} failed: {err}", [], now()
            )
        _logged(sessions, failed, started)
        err.add_note(f"run {revert_id} is recorded as failed; nothing was written")
        raise
    return _logged(sessions, report, started)


def _revert(session: Session, run_id: int, revert_id: int, dry_run: bool) -> Report:
    """Plan the revert of a run from its change log, then preview or apply it."""
    the_plan = plan_revert(revert_inputs.load(session, run_id))
    if dry_run:
        return runs.finish(session, revert_id, "previewed", the_plan, now())
    if the_plan.changes_anything:
        writer.apply(session, the_plan, revert_id, now(), origin="revert")
    runs.mark_applied(session, revert_id)
    runs.set_state(session, run_id, "reverted", now())
    return runs.finish(session, revert_id, "applied", the_plan, now())
