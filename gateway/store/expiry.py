"""What an account's status is once an admin's expiry date is due, and the local source."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, not_, or_

from gateway.store import models as m

LOCAL = "local"  # the source an account added by hand shows: it belongs to no feed


def today() -> date:
    """Today, the day expiry dates are compared with (as runs see it)."""
    return date.today()


def status(account: m.Account, on: date | None = None) -> str:
    """An account's status: an admin's expiry date locks it from that day on."""
    due = account.expires_on is not None and account.expires_on <= (on or today())
    return "locked" if due and account.status == "active" else account.status


def expires(account: m.Account) -> str | None:
    """The expiry date an admin set, as ISO text."""
    return account.expires_on.isoformat() if account.expires_on else None


def status_is(wanted: str) -> ColumnElement[bool]:
    """A condition on Account: its status (as ``status`` tells it) is ``wanted``."""
    a = m.Account
    due = and_(a.status == "active", a.expires_on.is_not(None), a.expires_on <= today())
    if wanted == "locked":
        return or_(a.status == "locked", due)
    if wanted == "active":
        return and_(a.status == "active", not_(due))
    return a.status == wanted
