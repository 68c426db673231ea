"""What applying a plan does for new accounts' access: their feed passwords (as hashes) and,
when the source asks for it, a welcome e-mail in the outbox.

Only the writer calls this, so a preview, a held run or a discarded one never does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from gateway.store import models as m
from gateway.sync.changes import Plan

TABLES = m.Base.metadata.tables
CHANGED = {"password": "password changed"}  # what the change log keeps instead of a password
Log = Callable[[str, int, str, str, dict[str, Any] | None, dict[str, Any] | None], None]


def after_create(
    conn: Connection, plan: Plan, ids: Mapping[Any, int], run_id: int, now: datetime, log: Log
) -> None:
    """Store the created accounts' feed passwords and queue their welcome e-mails."""
    hashes = [(ids[key], key, h) for key, h in plan.passwords.items() if key in ids]
    if hashes:
        table = TABLES["accounts"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("account"))
            .values(password_hash=bindparam("hash"), password_set_at=now)
        )
        conn.execute(statement, [{"account": i, "hash": h} for i, _, h in hashes])
        for account_id, key, _ in hashes:
            log("accounts", account_id, key, "password", None, CHANGED)
    if plan.welcome:
        rows = [
            {
                "account_id": ids[key],
                "kind": "welcome",
                "address": email,
                "language": plan.welcome,
                "state": "queued",
                "attempts": 0,
                "next_at": now,
                "run_id": run_id,
                "created_at": now,
            }
            for key, _, _, _, email, *_ in plan.changes["accounts"].creates
            if email and key in ids
        ]
        if rows:
            conn.execute(insert(m.Outbox), rows)
