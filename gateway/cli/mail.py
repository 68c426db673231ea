"""`rostergate mail`: the outbox of access e-mails, and sending what is due once."""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import select

from gateway.cli import render
from gateway.cli.app import App
from gateway.errors import UsageError
from gateway.store import models as m
from gateway.users import mail, outbox


def cmd_mail(app: App, args: argparse.Namespace) -> int:
    """List the outbox, or send what is due; exit 1 when an e-mail failed."""
    if args.action == "send":
        if not app.config.smtp_host:
            raise UsageError("smtp_host is not set: access e-mails wait in the outbox")
        sent, failed = asyncio.run(mail.send_due(app.sessions, app.config))
        print(
            render.dump({"sent": sent, "failed": failed})
            if args.json
            else f"sent {sent}, failed {failed}"
        )
        return 1 if failed else 0
    with app.sessions() as session:
        query = select(m.Outbox, m.Account.username).join(m.Account).order_by(m.Outbox.id)
        if args.state:
            query = query.where(m.Outbox.state == args.state)
        rows = [
            {
                "id": row.id,
                "username": username,
                "kind": row.kind,
                "address": row.address,
                "state": row.state,
                "attempts": row.attempts,
                "error": row.error,
            }
            for row, username in session.execute(query)
        ]
    if args.json:
        print(render.dump(rows))
    else:
        header = ["id", "username", "kind", "address", "state", "attempts", "error"]
        print(render.table([[r[h] for h in header] for r in rows], header))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add these commands to the CLI."""
    p = sub.add_parser("mail", help="the outbox of access e-mails; send what is due")
    p.add_argument(
        "action",
        nargs="?",
        choices=("list", "send"),
        default="list",
        help="list (default) or send once",
    )
    p.add_argument("--state", choices=outbox.STATES, help="with list: only e-mails in this state")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_mail)
