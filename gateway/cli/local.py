"""Commands for local edits: account fields and manual members."""

from __future__ import annotations

import argparse
import sys

from gateway.cli import render, users
from gateway.cli.app import App
from gateway.errors import UsageError
from gateway.local import add_member, remove_member, set_account
from gateway.store import accounts


def cmd_account(app: App, args: argparse.Namespace) -> int:
    """Show an account, or edit its fields locally; `account add`, `account check-login`."""
    if args.username == "show":  # `account show NAME`: NAME may be a word below, even "show"
        if not args.name:
            raise UsageError("account show NAME: give the account's username")
        args.username = args.name
    elif args.username in SUBCOMMANDS:
        return SUBCOMMANDS[args.username](app, args)
    with app.sessions.begin() as session:
        notes = []
        if users.own_pairs(args.set):
            for name, (old, new) in set_account(
                session, args.username, users.own_pairs(args.set)
            ).items():
                notes.append(f"{name}: {old!r} -> {new!r} (set locally: later runs keep it)")
        notes += users.edit(app, session, args)
        for note in notes:
            print(note, file=sys.stderr if args.json else sys.stdout)  # stdout: JSON alone
        shown = accounts.show(session, args.username)
    if args.json:
        print(render.dump(shown))
    elif not notes:
        print(render.table([[k, _cell(v)] for k, v in shown.items()], ["field", "value"]))
    return 0


SUBCOMMANDS = {
    "add": users.cmd_add,
    "check-login": users.cmd_check_login,
    "lock-due": users.cmd_lock_due,
}


def _cell(value: object) -> object:
    """A field's value on one line: lists joined, memberships as GROUP as ROLE (ORIGIN)."""
    if not isinstance(value, list):
        return value
    return ", ".join(
        f"{v['group']} as {v['role']} ({v['origin']})" if isinstance(v, dict) else str(v)
        for v in value
    )


def cmd_member(app: App, args: argparse.Namespace) -> int:
    """Add or remove a manual member of a group."""
    with app.sessions.begin() as session:
        if args.action == "add":
            role = add_member(session, args.group, args.username, args.role)
            print(f"{args.username} added to {args.group} as {role} (manual)")
        else:
            count = remove_member(session, args.group, args.username, args.role, args.force)
            print(f"{args.username} removed from {args.group} ({count} membership(s))")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add these commands to the CLI."""
    p = sub.add_parser(
        "account",
        help="show an account or edit it; `account add`, `account check-login NAME`",
        description="`account show NAME` (with the same options) reaches any account, even one "
        "named add, check-login, lock-due or show.",
    )
    p.add_argument(
        "username", help="the account's username, or add, check-login, lock-due, show NAME"
    )
    p.add_argument(
        "--set",
        nargs="+",
        metavar="FIELD=VALUE",
        help="email, given_name, family_name, profile, birthday, expires (a date or today), "
        "password_change (must_change, may_change, may_not_change), password_never_expires",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    users.register_options(p)
    p.set_defaults(handler=cmd_account)
    p = sub.add_parser("member", help="add or remove a manual member of a group")
    p.add_argument("action", choices=("add", "remove"), help="add or remove the member")
    p.add_argument("group", help="the group's key or name")
    p.add_argument("username", help="the member's username")
    p.add_argument("--role", help="student, teacher, … (default: from the account's profile)")
    p.add_argument(
        "--force",
        action="store_true",
        help="remove a member the sync added (the next import puts it back)",
    )
    p.set_defaults(handler=cmd_member)
