"""`rostergate source schedule|window …` and `rostergate rerun`: when sources are pulled,
the days their runs are limited, and running a source's latest feed again."""

from __future__ import annotations

import argparse

from gateway.auth import audit
from gateway.cli import render
from gateway.cli.admins import actor
from gateway.cli.app import App
from gateway.cli.pulls import _wait
from gateway.queue import rerun
from gateway.store import runs as stored
from gateway.store import schedules
from gateway.store.schedules import Schedule

EXIT_CODES = {"failed": 1, "held": 3}


def cmd_schedule(app: App, args: argparse.Namespace) -> int:
    """Set when a source is pulled, or stop pulling it on a schedule."""
    schedule = None
    if args.cron:
        schedule = Schedule(cron=schedules.parse_cron(args.cron))
    elif args.every:
        schedule = Schedule(every=schedules.parse_every(args.every))
    with app.sessions.begin() as session:
        source = schedules.set_schedule(session, args.name, schedule)
        said = source.schedule or "off"
        audit.record(session, actor(), "source.schedule", args.name, {"schedule": said})
    print(f"source {args.name}: pulled {said}" if schedule else f"source {args.name}: not pulled")
    return 0


def cmd_window(app: App, args: argparse.Namespace) -> int:
    """Add, remove or list a source's blackout and additions-only windows."""
    with app.sessions.begin() as session:
        for kind, text in (("blackout", args.blackout), ("additions_only", args.additions_only)):
            if text:
                window = schedules.add_window(session, args.name, kind, text)
                detail = schedules.window_dict(window)
                audit.record(session, actor(), "source.window", args.name, detail)
        if args.remove is not None:
            schedules.remove_window(session, args.name, args.remove)
            audit.record(session, actor(), "source.window", args.name, {"removed": args.remove})
        rows = [schedules.window_dict(w) for w in schedules.windows(session, args.name)]
    if args.json:
        print(render.dump(rows))
        return 0
    table = [[r["id"], r["kind"].replace("_", "-"), r["starts"], r["ends"]] for r in rows]
    print(render.table(table, ["window", "kind", "from", "to"]) if rows else "no windows")
    return 0


def cmd_rerun(app: App, args: argparse.Namespace) -> int:
    """Run a source's latest applied feed again (for one school, with --school)."""
    with app.sessions.begin() as session:
        run = rerun.rerun(
            session,
            app.config,
            args.source,
            origin="rerun",
            school=args.school or "",
            dry_run=args.dry_run,
        )
        audit.record(session, actor(), "source.rerun", args.source, {"run": run})
    if args.queue:
        print(render.dump({"run": run, "state": "queued"}) if args.json else run)
        return 0
    _wait(app, run)
    with app.sessions() as session:
        report = stored.report(session, run)
    print(render.dump(report.to_json()) if args.json else render.report(report))
    return EXIT_CODES.get(report.state, 0)


def register_source(action: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `source schedule` and `source window`."""
    p = action.add_parser(
        "schedule",
        help="when `serve` pulls the source: a crontab line, an interval, or off",
        description="Scheduled pulls run in `rostergate serve` (on every replica, each firing "
        "once); a change reaches running servers within half a minute.",
    )
    p.add_argument("name", help="the source's name")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--cron", metavar="LINE", help="a crontab line in the server's time zone: '0 5 * * 1-5'"
    )
    when.add_argument("--every", metavar="INTERVAL", help="an interval: 2h, 30m, 1d, 1h30m")
    when.add_argument("--off", action="store_true", help="no scheduled pulls")
    p.set_defaults(handler=cmd_schedule)
    p = action.add_parser(
        "window",
        help="list, add or remove the days a source's runs are limited",
        description="A blackout stops scheduled pulls on its days; an additions-only window "
        "(a school year's rollover) lets every run create and update but never expire or "
        "remove. Days are FIRST..LAST, both included.",
    )
    p.add_argument("name", help="the source's name")
    p.add_argument("--blackout", metavar="FIRST..LAST", help="no scheduled runs on these days")
    p.add_argument(
        "--additions-only", metavar="FIRST..LAST", help="runs on these days never remove"
    )
    p.add_argument("--remove", type=int, metavar="ID", help="remove the window with this id")
    p.add_argument("--json", action="store_true", help="print the windows as JSON")
    p.set_defaults(handler=cmd_window)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `rerun` to the CLI."""
    p = sub.add_parser(
        "rerun",
        help="run a source's latest applied feed again (kept: the last keep_feeds of each)",
    )
    p.add_argument("source", help="the source's name")
    p.add_argument("--school", help="only this school's records (name, path or key)")
    p.add_argument("--dry-run", action="store_true", help="preview: change nothing")
    p.add_argument("--json", action="store_true", help="print the run's report as JSON")
    p.add_argument("--queue", action="store_true", help="only queue the run for a worker")
    p.set_defaults(handler=cmd_rerun)
