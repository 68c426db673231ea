"""`rostergate account add|check-login` and the access options of `account USERNAME`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.orm import Session

from gateway.cli import render
from gateway.cli.app import App
from gateway.errors import UsageError
from gateway.store import accounts, lookup
from gateway.users import accounts as users
from gateway.users import outbox, passwords

OWN_FIELDS = users.FIELDS  # the fields `--set` hands to gateway.users rather than gateway.local


def _password(
    app: App, args: argparse.Namespace, adding: bool = False
) -> tuple[str | None, str | None]:
    """The password an admin gives on stdin, or one made now (shown once); and its hash."""
    if getattr(args, "password_stdin", False):
        given = sys.stdin.readline().rstrip("\n")
        return None, passwords.hashed(given)
    if args.new_password or (adding and not args.send_access):
        made = passwords.make(app.config.password_length, app.config.password_alphabet)
        return made, passwords.hashed(made)
    return None, None


def cmd_add(app: App, args: argparse.Namespace) -> int:
    """Add a local account by hand."""
    shown_password, password_hash = _password(app, args, adding=True)
    new = users.NewAccount(
        given_name=args.given or "",
        family_name=args.family or "",
        username=args.new_username,
        email=args.email or "",
        profile=args.profile,
        places=tuple(args.place or ()),
        birthday=users.parse_date("birthday", args.birthday or ""),
        password_hash=password_hash,
    )
    with app.sessions.begin() as session:
        account = users.add(session, new)
        if args.send_access:
            _send(app, session, account.username)
        shown = accounts.show(session, account.username)
    _print(args, shown, shown_password, f"added {shown['username']} ({shown['profile']}, local)")
    return 0


def _send(app: App, session: Session, username: str) -> None:
    """Queue an access e-mail (sent by `serve` or `rostergate mail send`)."""
    outbox.queue_access(session, app.config, lookup.account(session, username))


def _print(
    args: argparse.Namespace, shown: dict[str, Any], password: str | None, head: str
) -> None:
    """The account, and a password made now, shown this once."""
    if args.json:
        print(render.dump({**shown, **({"password": password} if password else {})}))
        return
    print(head)
    if password:
        print(f"password: {password}  (shown this once; {shown['password']['change']})")


def cmd_lock_due(app: App, args: argparse.Namespace) -> int:
    """Lock the accounts whose expiry date has come (`serve` does it by itself)."""
    with app.sessions.begin() as session:
        locked = users.lock_due(session)
    print(render.dump(locked) if args.json else "\n".join(f"locked {u}" for u in locked))
    return 0


def cmd_check_login(app: App, args: argparse.Namespace) -> int:
    """Which account a name typed at sign-in reaches."""
    if not args.name:
        raise UsageError("account check-login NAME: give the name as typed at sign-in")
    with app.sessions() as session:
        found = users.check_login(session, args.name or "")
    if args.json:
        print(render.dump(found))
    elif found["account"]:
        print(f"{found['typed']!r} signs in as {found['account']} ({found['status']})")
    else:
        print(f"{found['typed']!r} reaches no account (compared as {found['compared_as']!r})")
    return 0 if found["account"] else 1


def edit(app: App, session: Session, args: argparse.Namespace) -> list[str]:
    """Apply the access options of `account USERNAME`; return notes on what changed."""
    notes: list[str] = []
    pairs = dict(p.partition("=")[::2] for p in args.set or [] if p.partition("=")[0] in OWN_FIELDS)
    if pairs:
        for name, (old, new) in users.set_fields(session, args.username, pairs).items():
            notes.append(f"{name}: {_text(old)} -> {_text(new)}")
    for spec in args.place or ():
        notes.append(f"placed at {users.place(session, args.username, spec, True).name}")
    for spec in args.unplace or ():
        notes.append(f"taken from {users.place(session, args.username, spec, False).name}")
    if args.unlock:
        notes.extend(
            f"{k}: {_text(a)} -> {_text(b)}"
            for k, (a, b) in users.unlock(session, args.username).items()
        )
    shown_password, password_hash = _password(app, args)
    if password_hash:
        users.set_password(session, args.username, password_hash)
        notes.append(
            f"password: {shown_password}  (shown this once)"
            if shown_password
            else "password changed"
        )
    if args.send_access:
        _send(app, session, args.username)
        notes.append("access e-mail queued")
    return notes


def _text(value: object) -> str:
    """A value in a note: profiles by name, dates as ISO, nothing as none."""
    return "none" if value is None else str(value)


def own_pairs(pairs: list[str] | None) -> list[str]:
    """The --set pairs gateway.local takes (names and e-mail)."""
    return [p for p in pairs or [] if p.partition("=")[0] not in OWN_FIELDS]


def register_options(p: argparse.ArgumentParser) -> None:
    """The options of `account` this module reads."""
    p.add_argument("name", nargs="?", help="with check-login: the name as typed at sign-in")
    p.add_argument("--given", help="with add: the given name")
    p.add_argument("--family", help="with add: the family name")
    p.add_argument(
        "--username",
        dest="new_username",
        help="with add: the username (default: made from the name)",
    )
    p.add_argument("--email", help="with add: the e-mail address")
    p.add_argument("--profile", help="with add: the profile (default: the lowest)")
    p.add_argument("--birthday", help="with add: YYYY-MM-DD")
    p.add_argument(
        "--place", action="append", metavar="NODE_PATH", help="place a local account here"
    )
    p.add_argument("--unplace", action="append", metavar="NODE_PATH", help="take it away from here")
    p.add_argument("--unlock", action="store_true", help="clear an expiry date and a lock")
    p.add_argument("--new-password", action="store_true", help="make a new password, shown once")
    p.add_argument("--password-stdin", action="store_true", help="set the password read from stdin")
    p.add_argument(
        "--send-access", action="store_true", help="e-mail the username and a one-time password"
    )
