"""`rostergate admin …`: the people who sign in to the admin UI and API."""

from __future__ import annotations

import argparse
import getpass
import sys

from gateway.auth import admins, audit
from gateway.cli import render
from gateway.cli.app import App
from gateway.errors import UsageError


def actor() -> str:
    """Who is acting from the command line, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password() -> str:
    """A password typed twice at a terminal, or the first line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def cmd_add(app: App, args: argparse.Namespace) -> int:
    """Add an admin."""
    password = read_password()
    with app.sessions.begin() as session:
        admins.add(session, args.username, args.role, args.schools or [], password)
        detail = {"role": args.role, "schools": args.schools or []}
        audit.record(session, actor(), "admin.add", args.username, detail)
    scope = "every school" if args.role == "site" else ", ".join(args.schools)
    print(f"admin {args.username} added ({args.role} admin: {scope})")
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    """List the admins."""
    with app.sessions() as session:
        rows = admins.listing(session)
    if args.json:
        print(render.dump(rows))
    else:
        table = [[r["username"], r["role"], ", ".join(r["schools"]), r["tokens"]] for r in rows]
        print(render.table(table, ["username", "role", "schools", "tokens"]))
    return 0


def cmd_remove(app: App, args: argparse.Namespace) -> int:
    """Remove an admin and their API tokens."""
    with app.sessions.begin() as session:
        admins.remove(session, args.username)
        audit.record(session, actor(), "admin.remove", args.username)
    print(f"admin {args.username} removed, with their API tokens")
    return 0


def cmd_password(app: App, args: argparse.Namespace) -> int:
    """Set an admin's password."""
    password = read_password()
    with app.sessions.begin() as session:
        admins.set_password(session, args.username, password)
        audit.record(session, actor(), "admin.password", args.username)
    print(f"password of {args.username} changed")
    return 0


def cmd_token(app: App, args: argparse.Namespace) -> int:
    """Issue a new API token for an admin and show it once."""
    with app.sessions.begin() as session:
        token = admins.issue_token(session, args.username)
        audit.record(session, actor(), "admin.token", args.username)
    print(token)
    print(
        f"the API token of {args.username}: send it as `Authorization: Bearer …`; "
        "it is shown only now",
        file=sys.stderr,
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `admin …` to the CLI."""
    top = sub.add_parser("admin", help="the admins who sign in to the admin UI and API")
    admin = top.add_subparsers(
        dest="admin_command", required=True, metavar="action", help="one of these:"
    )
    p = admin.add_parser(
        "add", help="add an admin (the password is asked for, or read from standard input)"
    )
    p.add_argument("username", help="the name they sign in with")
    p.add_argument(
        "--role",
        choices=admins.ROLES,
        required=True,
        help="site: every school and the site's settings; school: only --schools",
    )
    p.add_argument(
        "--schools", nargs="+", metavar="SCHOOL", help="a school admin's schools: key, path or name"
    )
    p.set_defaults(handler=cmd_add)
    p = admin.add_parser("list", help="the admins, their schools and tokens")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)
    p = admin.add_parser("remove", help="remove an admin and their API tokens")
    p.add_argument("username", help="the admin to remove")
    p.set_defaults(handler=cmd_remove)
    p = admin.add_parser("password", help="set an admin's password")
    p.add_argument("username", help="the admin whose password to set")
    p.set_defaults(handler=cmd_password)
    p = admin.add_parser("token", help="issue an API token for an admin (shown once)")
    p.add_argument("username", help="the admin to issue it for")
    p.set_defaults(handler=cmd_token)
