"""`rostergate list accounts|nodes|groups|memberships`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from gateway.cli import render
from gateway.cli.app import App
from gateway.errors import UsageError
from gateway.store import profile_values, queries

# What each listing queries, and the columns its table shows.
Query = Callable[[Session, queries.Filters], list[dict[str, Any]]]
LISTINGS: dict[str, tuple[Query, tuple[str, ...]]] = {
    "accounts": (queries.accounts, ("username", "given_name", "family_name", "email", "profile",
                                    "status", "nodes")),
    "nodes": (queries.nodes, ("path", "kind", "status", "source", "sync_key")),
    "groups": (queries.groups, ("name", "kind", "school", "members", "status", "sync_key")),
    "memberships": (queries.memberships, ("group_name", "username", "role", "origin")),
}  # fmt: skip


def _cell(value: Any) -> Any:
    """A value as a table cell: lists joined with commas."""
    return ", ".join(value) if isinstance(value, list) else value


def _count(text: str) -> int:
    """A whole number 0 or more, as --limit and --offset take."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number 0 or more, not {text!r}")
    return int(text)


def cmd_list(app: App, args: argparse.Namespace) -> int:
    """List what the store holds."""
    query, columns = LISTINGS[args.what]
    filters = queries.Filters(**{name: getattr(args, name) for name in queries.FILTER_NAMES})
    if args.with_profile_settings and (args.what != "accounts" or not args.json):
        raise UsageError("--with-profile-settings goes with `list accounts --json`")
    with app.sessions() as session:
        rows = query(session, filters)
        if args.with_profile_settings:
            settings = profile_values.of_profiles(session)
            rows = [{**row, "profile_settings": settings[row["profile"]]} for row in rows]
    if args.json:
        print(render.dump(rows))
        return 0
    print(render.table([[_cell(r[c]) for c in columns] for r in rows], columns))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the list command to the CLI."""
    p = sub.add_parser("list", help="list accounts, nodes, groups or memberships")
    p.add_argument("what", choices=sorted(LISTINGS), help="what to list")
    p.add_argument("--school", default="", help="only what lies at or below this school")
    p.add_argument("--profile", default="", help="accounts, memberships: only this profile")
    p.add_argument("--status", default="", help="only this status (active, expired, inactive)")
    p.add_argument("--source", default="", help="only this source's records")
    p.add_argument("--search", default="", help="only rows whose name, username or key holds this")
    p.add_argument("--limit", type=_count, help="at most this many rows")
    p.add_argument("--offset", type=_count, default=0, help="skip this many rows first")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--with-profile-settings",
        action="store_true",
        help="accounts --json: each account's profile settings under profile_settings",
    )
    p.set_defaults(handler=cmd_list)
