"""`rostergate oauth-client …`: who may read the store through the OneRoster provider."""

from __future__ import annotations

import argparse
import sys

from gateway.auth import audit, oauth_clients
from gateway.cli import render
from gateway.cli.admins import actor
from gateway.cli.app import App


def cmd_add(app: App, args: argparse.Namespace) -> int:
    """Register a client and show its secret once."""
    with app.sessions.begin() as session:
        secret = oauth_clients.add(session, args.name, args.scopes)
        audit.record(session, actor(), "oauth_client.add", args.name, {"scopes": args.scopes})
    print(secret)
    print(
        f"the client secret of {args.name}: use it with client id {args.name!r} at "
        "/ims/oneroster/rostering/v1p2/token; it is shown only now",
        file=sys.stderr,
    )
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    """List the clients and their scopes."""
    with app.sessions() as session:
        rows = oauth_clients.listing(session)
    if args.json:
        print(render.dump(rows))
    else:
        table = [[r["name"], " ".join(r["scopes"]), r["created_at"]] for r in rows]
        print(render.table(table, ["name", "scopes", "created"]))
    return 0


def cmd_remove(app: App, args: argparse.Namespace) -> int:
    """Remove a client and its tokens."""
    with app.sessions.begin() as session:
        oauth_clients.remove(session, args.name)
        audit.record(session, actor(), "oauth_client.remove", args.name)
    print(f"OAuth client {args.name} removed, with its tokens")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `oauth-client …` to the CLI."""
    top = sub.add_parser("oauth-client", help="clients of the OneRoster provider (OAuth 2)")
    client = top.add_subparsers(
        dest="oauth_command", required=True, metavar="action", help="one of these:"
    )
    p = client.add_parser("add", help="register a client (its secret is shown once)")
    p.add_argument("name", help="the client id it sends")
    p.add_argument(
        "--scopes",
        nargs="+",
        required=True,
        metavar="SCOPE",
        help="roster.readonly, roster-core.readonly, roster-demographics.readonly (or their URIs)",
    )
    p.set_defaults(handler=cmd_add)
    p = client.add_parser("list", help="the clients and their scopes")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)
    p = client.add_parser("remove", help="remove a client and its tokens")
    p.add_argument("name", help="the client id to remove")
    p.set_defaults(handler=cmd_remove)
