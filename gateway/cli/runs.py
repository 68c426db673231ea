"""Commands about imports: init, import, runs, report, approve, discard."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gateway.cli import render
from gateway.cli.app import App
from gateway.cli.progress import bar_for
from gateway.errors import UsageError
from gateway.feeds import FORMATS, Feed, detect, load_columns
from gateway.queue import enqueue, spool
from gateway.queue.worker import work
from gateway.store import names, owners, runs, seed
from gateway.sync import run as sync
from gateway.sync.report import Report
from mapping.usernames import USERNAME_MODES

# Exit codes (DESIGN §5): 0 applied or previewed, 1 feed-level failure, 2 usage, 3 held.
EXIT_CODES = {"failed": 1, "held": 3}
USERNAMES_HELP = (
    "keep: the feed's username as sent, the record skipped when it is taken or missing; "
    "generate: always made from the name (MaSc, MarSch, MaSc2…); "
    "generate-if-taken (the default): kept as sent when free, otherwise generated"
)


def _finish(rep: Report, as_json: bool) -> int:
    """Print a report and return the exit code its state calls for."""
    print(render.dump(rep.to_json()) if as_json else render.report(rep))
    return EXIT_CODES.get(rep.state, 0)


def cmd_init(app: App, args: argparse.Namespace) -> int:
    """Create or migrate the store and seed the default profiles."""
    seeded = seed.init(app.engine)
    print(
        f"store ready at {app.engine.url.render_as_string(hide_password=True)}"
        + ("; default profiles added" if seeded else "")
    )
    return 0


def cmd_import(app: App, args: argparse.Namespace) -> int:
    """Import (or preview) one file or package."""
    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    fmt = args.format or detect(path)
    options: dict[str, object] = {
        "school": args.school,
        "role": args.role,
        "usernames": args.usernames,
        "strict": args.strict,
    }
    if args.columns:
        options["columns"] = load_columns(args.columns)
    feed = Feed(path, fmt, args.source or "", {k: v for k, v in options.items() if v})
    if args.queue:
        return _enqueue(app, feed, args.dry_run, args.json)
    bar = bar_for(args.json)
    try:
        report = sync.run(app.sessions, app.config, feed, dry_run=args.dry_run, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return _finish(report, args.json)


def _enqueue(app: App, feed: Feed, dry_run: bool, as_json: bool) -> int:
    """Queue the feed (a copy of it in the spool) for a worker; print the run's id."""
    sessions = app.sessions
    copy = spool.spool_file(feed.path, spool.directory(app.config))
    try:
        with sessions.begin() as session:
            run_id = enqueue(
                session,
                source=feed.source_name,
                fmt=feed.format,
                spool_path=copy,
                options=feed.options,
                dry_run=dry_run,
                origin="cli",
            )
    except BaseException:
        spool.discard(copy)
        raise
    print(render.dump({"run": run_id, "state": "queued"}) if as_json else run_id)
    return 0


def cmd_worker(app: App, args: argparse.Namespace) -> int:
    """Run queued runs in the foreground, one at a time, printing each one's outcome."""

    def done(report: Report) -> None:
        word = render.STATE_WORDS.get(report.state, report.state)
        line = json.dumps(report.to_json(), ensure_ascii=False, default=str)  # one line a run
        print(line if args.json else f"run {report.run}: {word}", flush=True)

    work(app.sessions, app.config, drain=args.drain, done=done)
    return 0


def cmd_runs(app: App, args: argparse.Namespace) -> int:
    """List the latest runs (failing first those whose process is gone)."""
    with app.sessions.begin() as session:
        owners.recover(session, app.config.heartbeat_timeout)
        rows = runs.listing(session, args.limit)
    if args.json:
        print(render.dump(rows))
        return 0
    shown = ("run", "started_at", "kind", "state", "source", "format", "file")
    table = [[*(r[c] for c in shown), *_totals(r), _progress(r["progress"])] for r in rows]
    print(render.table(table, ["run", "started", *shown[2:], *RUN_TOTALS, "progress"]))
    return 0


# The totals `runs` shows of each run: changes summed over entities, and issues.
RUN_TOTALS = ("created", "updated", "removed", "errors", "warnings")


def _totals(row: dict[str, Any]) -> list[int]:
    """A run's created, updated and expired-or-removed rows, its errors and warnings."""
    counts = (row["counts"] or {}).values()
    created = sum(c.get("created", 0) for c in counts)
    updated = sum(c.get("updated", 0) for c in counts)
    removed = sum(c.get("expired", 0) + c.get("removed", 0) for c in counts)
    issues = row["issues"]
    return [created, updated, removed, issues.get("error", 0), issues.get("warning", 0)]


def _progress(progress: dict[str, object] | None) -> str:
    """A running run's progress in a few words, e.g. ``read 12,000``."""
    if not progress:
        return ""
    return (
        f"{progress['phase']} {progress['read']:,}" if progress["read"] else str(progress["phase"])
    )


def cmd_report(app: App, args: argparse.Namespace) -> int:
    """Show one run's report."""
    with app.sessions() as session:
        rep = runs.report(session, args.run)
    print(render.dump(rep.to_json()) if args.json else render.report(rep))
    return 0


def cmd_revert(app: App, args: argparse.Namespace) -> int:
    """Undo an applied run (or preview the undo)."""
    return _finish(sync.revert(app.sessions, args.run, dry_run=args.dry_run), args.json)


def cmd_changes(app: App, args: argparse.Namespace) -> int:
    """Show what a run changed, field by field."""
    with app.sessions() as session:
        run = runs.get(session, args.run)
        rows = runs.changes(session, args.run)
        rows = names.named(session, run.source_id, rows, range(len(rows)))
        state, plan_kept = run.state, run.plan is not None
    if args.json:
        print(render.dump(rows))
        return 0
    if state in ("previewed", "held"):
        print(_not_written(args.run, state, plan_kept))
    table = [[r["entity"], r["name"], r["action"], *_fields(r["fields"])] for r in rows]
    print(render.table(table, ["entity", "name", "action", "before", "after"]))
    return 0


def _not_written(run: int, state: str, plan_kept: bool) -> str:
    """The line above the changes of a run that wrote nothing."""
    if plan_kept:
        return f"Run {run} is {state}: nothing was written. This is what it would change:\n"
    limit = f"{runs.PREVIEW_PLAN_LIMIT:,}"
    return (
        f"Run {run} is {state}: nothing was written, and its plan (more than {limit} rows) "
        f"was too large to keep; `rostergate report {run}` has its counts.\n"
    )


def _fields(fields: list[tuple[str, str, str]]) -> tuple[str, str]:
    """A change's named fields before and after, each on one line."""
    before = ", ".join(f"{name}={old}" for name, old, _ in fields if old)
    after = ", ".join(f"{name}={new}" for name, _, new in fields if new)
    return before, after


def cmd_approve(app: App, args: argparse.Namespace) -> int:
    """Apply a held run."""
    return _finish(sync.approve(app.sessions, args.run), args.json)


def cmd_discard(app: App, args: argparse.Namespace) -> int:
    """Drop a held run, or a running one whose process is gone."""
    return _finish(sync.discard(app.sessions, args.run, app.config.heartbeat_timeout), args.json)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add these commands to the CLI."""
    p = sub.add_parser("init", help="create or migrate the store, seed the default profiles")
    p.set_defaults(handler=cmd_init)
    p = sub.add_parser("import", help="import a feed (CSV, IMS Enterprise XML, OneRoster)")
    p.add_argument("path", help="the file, zip or folder to import")
    p.add_argument("--format", choices=FORMATS, help="the feed's format (default: detected)")
    p.add_argument("--source", help="the source the records belong to (default: the format)")
    p.add_argument("--school", help="CSV: the school for rows without a school column")
    p.add_argument("--role", help="CSV: the role for rows without a role column")
    p.add_argument(
        "--columns",
        metavar="FILE.toml",
        help="CSV: a TOML file mapping other headers to fields "
        '(its format: README, "The gateway\'s CSV")',
    )
    p.add_argument("--usernames", choices=USERNAME_MODES, help=USERNAMES_HELP)
    p.add_argument("--strict", action="store_true", help="IMS: schema violations fail the run")
    p.add_argument("--dry-run", action="store_true", help="preview: show the plan, write nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--queue",
        action="store_true",
        help="queue the run for a worker (serve, or `rostergate worker`); print its id",
    )
    p.set_defaults(handler=cmd_import)
    p = sub.add_parser("worker", help="run queued imports in the foreground")
    p.add_argument("--drain", action="store_true", help="stop once no run is left in the queue")
    p.add_argument("--json", action="store_true", help="print each run's report as JSON")
    p.set_defaults(handler=cmd_worker)
    p = sub.add_parser("runs", help="list the latest runs")
    p.add_argument("--limit", type=int, default=50, help="how many runs (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_runs)
    for name, handler, text in (
        ("report", cmd_report, "show a run's report"),
        ("changes", cmd_changes, "show a run's changes, field by field"),
        ("approve", cmd_approve, "apply a run held for approval"),
        ("discard", cmd_discard, "drop a held run, or a running one whose process is gone"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("run", type=int, help="the run's number (`rostergate runs`)")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(handler=handler)
    p = sub.add_parser("revert", help="undo an applied run from its change log")
    p.add_argument("run", type=int, help="the applied run to undo")
    p.add_argument("--dry-run", action="store_true", help="show what the revert would do")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_revert)
