"""Adding an account by hand, as every face does it (API, admin UI): placed only in the
caller's schools, never with the top profile by a school admin, access data queued if asked."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import Forbidden, NotFound
from gateway.store import models as m
from gateway.store import reach
from gateway.users import accounts, outbox


class OutOfReach(Forbidden):
    """A place given that is not in the caller's schools."""


def _place(session: Session, who: Principal, place: str) -> int:
    """A node's id; to a school admin, one not found is as out of reach as another school's."""
    try:
        return accounts.node(session, place).id
    except NotFound:
        if who.kind == "site":
            raise
        raise OutOfReach(f"{who.name} may not add an account at {place!r}: not theirs") from None


def add(
    session: Session, who: Principal, new: accounts.NewAccount, send_access: bool, language: str
) -> m.Account:
    """Add the account if ``who`` reaches every place given; queue its access e-mail if asked."""
    above = reach.schools_above(session)
    places = [_place(session, who, place) for place in new.places]
    try:
        scopes.require_all(
            session, who, {above[n] for n in places if n in above}, "add an account there"
        )
    except Forbidden as err:
        raise OutOfReach(str(err)) from None
    account = accounts.add(session, new, site_admin=who.kind == "site")
    if send_access:
        outbox.queue(session, account, "access", language)
    return account
