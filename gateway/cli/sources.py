"""`rostergate source …`: the registers and vendors that send feeds, their schools and tokens."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.orm import Session

from gateway.auth import audit
from gateway.cli import pulls, render, schedules
from gateway.cli.admins import actor
from gateway.cli.app import Actions, App
from gateway.config import SETTINGS, SOURCE_KEYS
from gateway.errors import UsageError
from gateway.pull.settings import changed
from gateway.store import pulls as stored_pulls
from gateway.store import sources


def pairs(items: list[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` words as a dict (values still text: the settings table checks them)."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"expected KEY=VALUE, not {item!r}")
        out[key.strip()] = value.strip()
    return out


def percent(text: str) -> float:
    """A --threshold percentage as the share the settings keep (15 → 0.15)."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise UsageError(f"--threshold must be a percentage from 0 to 100, not {text!r}")
    return value / 100


def _note_unknown(session: Session, schools: list[str]) -> None:
    """Say which schools are not in the store yet (a typo, or a school still to come)."""
    for spec in sources.unknown_schools(session, schools):
        print(
            f"no school in the store answers to {spec!r} yet: it is in scope from when it arrives",
            file=sys.stderr,
        )


def _show(row: dict[str, Any], as_json: bool) -> None:
    """One source: what it is, then each effective setting and where it comes from."""
    if as_json:
        print(render.dump(row))
        return
    facts = [
        ["name", row["name"]],
        ["format", row["format"]],
        ["schools", ", ".join(row["schools"]) or "every school"],
        ["status", row["status"]],
        ["push token", "set" if row["token"] else "none (`rostergate source token`)"],
        ["runs", f"{row['runs']} (last: {row['last_run']})" if row["runs"] else "0"],
        ["schedule", row["schedule"]],
        ["last success", row["last_success"] or "never"],
    ]
    facts += [["failing", row["failing"]]] if row["failing"] else []
    facts += [["stale", "yes: no successful run within stale_after"]] if row["stale"] else []
    if row["pull"]:  # credentials are never shown, only which are set
        pull = row["pull"]
        facts.append(["pull", f"{pull['kind']}: {pull.get('url') or pull.get('sftp_host')}"])
        facts.append(["pull credentials", ", ".join(pull["secrets"]) or "none"])
    print(render.table(facts, ["source", ""]))
    settings = [
        [key, value, "source" if key in row["settings"] else "config"]
        for key, value in sorted(row["effective"].items())
    ]
    if settings:
        print()
        print(render.table(settings, ["setting", "value", "from"]))


def cmd_add(app: App, args: argparse.Namespace) -> int:
    """Add a source (or bring a retired one back)."""
    settings: dict[str, Any] = dict(pairs(args.set))
    if args.mode:
        settings["mode"] = args.mode
    if args.threshold is not None:
        settings["removal_threshold"] = percent(args.threshold)
    with app.sessions.begin() as session:
        source, revived = sources.add(session, args.name, args.format, args.schools or [], settings)
        pulled = pulls.pull_settings(app, args.format, args)
        if pulled is not None:
            stored_pulls.configure(session, args.name, pulled)
        detail = {"format": source.format, "schools": source.schools, "settings": source.settings}
        audit.record(session, actor(), "source.add", args.name, detail)
        _note_unknown(session, source.schools or [])
        row = sources.describe(session, app.config, source)
    if revived:
        print(f"source {args.name} was retired; it is active again", file=sys.stderr)
    note = f"source {args.name} added; `rostergate source token {args.name}` gives its push token"
    print(note, file=sys.stderr if args.json else sys.stdout)  # with --json, stdout is JSON alone
    _show(row, args.json)
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    """List the sources."""
    with app.sessions() as session:
        rows = sources.listing(session, app.config)
    if args.json:
        print(render.dump(rows))
        return 0
    table = [
        [
            r["name"],
            r["format"],
            ", ".join(r["schools"]) or "every school",
            r["status"],
            "yes" if r["token"] else "no",
            r["runs"],
            " ".join(f"{k}={v}" for k, v in sorted(r["settings"].items())),
        ]
        for r in rows
    ]
    header = ["source", "format", "schools", "status", "token", "runs", "own settings"]
    print(render.table(table, header))
    return 0


def cmd_show(app: App, args: argparse.Namespace) -> int:
    """Show one source."""
    with app.sessions() as session:
        row = sources.describe(session, app.config, sources.get(session, args.name))
    _show(row, args.json)
    return 0


def cmd_set(app: App, args: argparse.Namespace) -> int:
    """Change a source's format, schools, settings or pull settings."""
    given = pairs(args.pairs)  # the settings' table refuses an unknown key, naming the nearest
    pull = pulls.given_pull(args)
    if not given and not pull:
        raise UsageError("source set: give KEY=VALUE pairs or pull options (--url, …)")
    changes = dict(given)
    fmt, schools = changes.pop("format", None), changes.pop("schools", None)
    settings: dict[str, Any] = {k: v or None for k, v in changes.items()}  # KEY= falls back
    with app.sessions.begin() as session:
        source = sources.change(
            session,
            args.name,
            fmt=fmt,
            schools=schools.split(",") if schools is not None else None,
            settings=settings,
        )
        if pull:
            fmt = source.format or ""
            stored_pulls.configure(session, args.name, changed(app.config, fmt, source.pull, pull))
        detail = {"changes": given, "pull": sorted(pull)} if pull else {"changes": given}
        audit.record(session, actor(), "source.set", args.name, detail)
        if schools:
            _note_unknown(session, source.schools or [])
        row = sources.describe(session, app.config, source)
    _show(row, args.json)
    return 0


def cmd_remove(app: App, args: argparse.Namespace) -> int:
    """Delete a source that owns nothing; retire one that has records or runs."""
    with app.sessions.begin() as session:
        outcome = sources.remove(session, args.name)
        audit.record(session, actor(), "source.remove", args.name, {"outcome": outcome})
    if outcome == "deleted":
        print(f"source {args.name} deleted")
    else:
        print(
            f"source {args.name} retired: its records and runs stay, its push token is void "
            f"and it runs nothing until `rostergate source add {args.name}` brings it back"
        )
    return 0


def cmd_token(app: App, args: argparse.Namespace) -> int:
    """Issue a new push token for a source and show it once."""
    with app.sessions.begin() as session:
        token = sources.issue_token(session, args.name)
        audit.record(session, actor(), "source.token", args.name)
    print(token)
    print(
        f"the push token of {args.name}: send it as `Authorization: Bearer …`; it is shown "
        "only now, and any earlier token of this source no longer works",
        file=sys.stderr,
    )
    return 0


def _settings_help(row: bool = True) -> str:
    """The keys `--set` (``row``: and `source set`) takes, one a line, from the config's table."""
    lines = ["keys:"]
    if row:
        lines += [
            "  format               ims, oneroster or csv",
            "  schools              comma-separated names, paths or keys; empty: every school",
        ]
    lines += [f"  {key:<20} {SETTINGS[key].help}" for key in SOURCE_KEYS]
    lines.append("A setting left empty (KEY=) falls back to the config's [sources.NAME].")
    return "\n".join(lines)


RAW = argparse.RawDescriptionHelpFormatter


def register(sub: Actions) -> None:
    """Add `source …` to the CLI."""
    top = sub.add_parser(
        "source",
        help="the registers and vendors that send feeds: schools, settings, push tokens",
        description="A source is a register or vendor that sends feeds. It may write only to "
        "its schools, and its settings lie over the config's [sources.NAME] table.",
    )
    action = top.add_subparsers(
        dest="source_command", required=True, metavar="action", help="one of these:"
    )
    for add_command in (_add_add, _add_list, _add_show, _add_set, _add_remove, _add_token):
        add_command(action)
    schedules.register_source(action)


def _add_add(action: Actions) -> None:
    """`source add`."""
    p = action.add_parser(
        "add", help="add a source", epilog=_settings_help(row=False), formatter_class=RAW
    )
    p.add_argument("name", help="letters, digits, '.', '_' or '-': it stands in the push URL")
    p.add_argument("--format", required=True, choices=sources.FORMATS, help="what it sends")
    p.add_argument(
        "--schools",
        nargs="+",
        metavar="SCHOOL",
        help="the schools it may write to, by name, path or key (default: every school); "
        "records of other schools are skipped as out_of_scope",
    )
    p.add_argument(
        "--mode", choices=("full", "delta"), help="IMS feeds without properties/type: full or delta"
    )
    p.add_argument(
        "--threshold",
        metavar="PCT",
        help="hold a run that would remove more than PCT %% of a school's records",
    )
    p.add_argument("--set", nargs="+", metavar="KEY=VALUE", help="other settings (see below)")
    p.add_argument("--json", action="store_true", help="print the source as JSON")
    pulls.add_options(p)
    p.set_defaults(handler=cmd_add)


def _add_list(action: Actions) -> None:
    """`source list`."""
    p = action.add_parser("list", help="every source, its schools and own settings")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_list)


def _add_show(action: Actions) -> None:
    """`source show`."""
    p = action.add_parser("show", help="one source and its effective settings")
    p.add_argument("name", help="the source's name")
    p.add_argument("--json", action="store_true", help="print the source as JSON")
    p.set_defaults(handler=cmd_show)


def _add_set(action: Actions) -> None:
    """`source set`."""
    p = action.add_parser(
        "set",
        help="change a source's format, schools or settings",
        epilog=_settings_help(),
        formatter_class=RAW,
    )
    p.add_argument("name", help="the source's name")
    p.add_argument("pairs", nargs="*", metavar="KEY=VALUE", help="what to change (see below)")
    p.add_argument("--json", action="store_true", help="print the source as JSON")
    pulls.add_options(p)
    p.set_defaults(handler=cmd_set)


def _add_remove(action: Actions) -> None:
    """`source remove`."""
    p = action.add_parser(
        "remove",
        help="delete a source that owns nothing, or retire one with records or runs "
        "(refused while it has queued or running runs)",
    )
    p.add_argument("name", help="the source's name")
    p.set_defaults(handler=cmd_remove)


def _add_token(action: Actions) -> None:
    """`source token`."""
    p = action.add_parser(
        "token", help="print a new push token (shown once; the old one stops working)"
    )
    p.add_argument("name", help="the source's name")
    p.set_defaults(handler=cmd_token)
