"""`rostergate pull SOURCE`, and the pull options of `rostergate source add`."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from gateway.cli import render
from gateway.cli.app import App
from gateway.errors import UsageError
from gateway.pull import PullResult, pull, settle
from gateway.pull.settings import checked
from gateway.queue.worker import POLL_SECONDS, work_one
from gateway.store import runs as stored

# `source add` option → pull setting; each is also described by its help text below.
OPTIONS: dict[str, tuple[str, str]] = {
    "url": ("--url", "pull from this URL: the REST provider's root, or the file's URL"),
    "version": ("--version", "OneRoster REST version: 1.1 or 1.2 (default 1.2)"),
    "client_id": ("--client-id", "OneRoster REST: the OAuth 2 client id"),
    "client_secret": (
        "--client-secret",
        "OneRoster REST: the OAuth 2 secret (kept encrypted)",
    ),
    "token_url": ("--token-url", "OneRoster REST: the token endpoint (default: the base's /token)"),
    "scope": ("--scope", "OneRoster REST: the scopes to ask for (default: 1.2 roster.readonly)"),
    "username": ("--username", "file by URL: the basic-auth user"),
    "password": ("--password", "file by URL: the basic-auth password (kept encrypted)"),
    "token": ("--bearer-token", "file by URL: a bearer token (kept encrypted)"),
    "sftp_host": ("--sftp-host", "SFTP drop folder: the server"),
    "sftp_port": ("--sftp-port", "SFTP: the port (default 22)"),
    "sftp_user": ("--sftp-user", "SFTP: the user"),
    "sftp_key": ("--sftp-key", "SFTP: a private key FILE (its content kept encrypted)"),
    "sftp_password": ("--sftp-password", "SFTP: the password (kept encrypted)"),
    "sftp_host_key": ("--sftp-host-key", "SFTP: the server's public host key (pinned)"),
    "sftp_path": ("--sftp-path", "SFTP: the drop folder"),
    "pattern": ("--pattern", "SFTP: the file names to take, e.g. 'export-*.xml' (default *)"),
}


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the pull options to `source add` and `source set`."""
    group = parser.add_argument_group("pulled sources (any of these makes the source pulled)")
    for key, (flag, text) in OPTIONS.items():
        group.add_argument(flag, dest=f"pull_{key}", metavar=key.upper(), help=text)


def given_pull(args: argparse.Namespace) -> dict[str, Any]:
    """The pull options given on the command line (a key FILE read)."""
    given = {key: getattr(args, f"pull_{key}", None) for key in OPTIONS}
    given = {key: value for key, value in given.items() if value not in (None, "")}
    if "sftp_key" in given:
        try:
            given["sftp_key"] = Path(str(given["sftp_key"])).read_text(encoding="utf-8")
        except OSError as err:
            raise UsageError(f"--sftp-key {given['sftp_key']}: {err.strerror}") from None
    return given


def pull_settings(app: App, fmt: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """The pull settings `source add` was given, checked and encrypted; None when none."""
    given = given_pull(args)
    if not given and fmt != "oneroster-rest":
        return None
    return checked(app.config, fmt, given)


def _wait(app: App, run: int) -> None:
    """Run queued runs here until ``run`` is done (runs of its source go in order)."""
    while True:
        with app.sessions() as session:
            if stored.get(session, run).state not in ("queued", "running"):
                return
        if work_one(app.sessions, app.config) is None:
            time.sleep(POLL_SECONDS)  # another worker has it, or an older run of its source


def cmd_pull(app: App, args: argparse.Namespace) -> int:
    """Pull a source now and run (or queue) its run."""
    result: PullResult = asyncio.run(
        pull(app.sessions, app.config, args.source, full=args.full, dry_run=args.dry_run)
    )
    if result.outcome == "queued" and args.queue:
        print(render.dump({"run": result.run, "state": "queued"}) if args.json else result.run)
        return 0
    if result.outcome == "queued":
        _wait(app, result.run)
    with app.sessions() as session:
        report = stored.report(session, result.run)
    if report.state == "applied" and result.outcome == "queued":
        asyncio.run(settle(app.sessions, app.config, args.source))
    if result.outcome == "unchanged" and not args.json:
        print(f"run {result.run}: {result.message}; nothing imported")
        return 0
    print(render.dump(report.to_json()) if args.json else render.report(report))
    return {"failed": 1, "held": 3}.get(report.state, 0)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `pull` to the CLI."""
    p = sub.add_parser(
        "pull",
        help="pull a pulled source now: download its whole feed, then import it",
        description="Download the source's whole feed (trying again with backoff), then run "
        "it like a push. A delta pull (the default once a pull is applied) asks only for what "
        "changed; --full pulls a snapshot. An unchanged feed is not imported again.",
    )
    p.add_argument("source", help="the pulled source's name")
    p.add_argument("--full", action="store_true", help="a full snapshot, not a delta")
    p.add_argument("--dry-run", action="store_true", help="preview: change nothing")
    p.add_argument("--json", action="store_true", help="print the run's report as JSON")
    p.add_argument("--queue", action="store_true", help="only queue the run for a worker")
    p.set_defaults(handler=cmd_pull)
