"""Accounts by hand: add a local account, place it, set its profile, birthday and expiry.

A local account belongs to no source (shown as source ``local``): no feed's snapshot
holds it, so no feed's removals reach it. On a synced account, a profile set by hand
sticks like a name edit, and an expiry date locks it from that day whatever the feed says.
The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from gateway.errors import Forbidden, NotFound, RuleError, UsageError
from gateway.local import log
from gateway.store import lookup
from gateway.store import models as m
from gateway.store.expiry import status, today
from gateway.store.queries import node_paths
from gateway.store.snapshot import bump
from gateway.users import passwords
from mapping.usernames import Usernames, username_key

FIELDS = ("profile", "birthday", "expires", "password_change", "password_never_expires")


@dataclass(frozen=True)
class NewAccount:
    """What an admin gives for an account added by hand."""

    given_name: str
    family_name: str
    username: str | None = None
    email: str = ""
    profile: str | None = None  # None: the lowest profile
    places: tuple[str, ...] = field(default=())
    birthday: date | None = None
    expires: date | None = None  # locked from that day
    password_hash: str | None = None
    password_change: str | None = None
    password_never_expires: bool | None = None


class Taken(RuleError):
    """A username asked for that another account already signs in with (folded alike)."""

    def __init__(self, username: str, owner: str) -> None:
        super().__init__(f"username {username!r} is taken (by {owner!r}, signing in alike)")
        self.username, self.owner = username, owner


class TopProfile(Forbidden):
    """The top profile asked for by someone not a site admin."""


def parse_date(name: str, text: str) -> date | None:
    """A date given as YYYY-MM-DD ('' or 'none' clears it), or 'today'."""
    text = text.strip().lower()
    if text in ("", "none"):
        return None
    if text == "today":
        return today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} must be a date as YYYY-MM-DD, not {text!r}") from None


def profile(session: Session, name: str | None, site_admin: bool) -> m.Profile:
    """A profile by name (the lowest when None); the top one only for a site admin."""
    query = select(m.Profile).order_by(m.Profile.security_level)
    if name is not None:
        query = query.where(func.lower(m.Profile.name) == name.strip().lower())
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"there is no profile {name!r}: `rostergate profiles` lists them")
    top = session.scalar(select(func.max(m.Profile.security_level)))
    if found.security_level == top and not site_admin:
        raise TopProfile(f"only a site admin may give the profile {found.name}")
    return found


def node(session: Session, spec: str) -> m.Node:
    """A hierarchy node by path (``Nordby skole/8/8A``), sync key or SOURCE:KEY."""
    paths = node_paths(session)
    wanted = spec.strip().strip("/").casefold()
    ids = [i for i, path in paths.items() if path.casefold() == wanted]
    if not ids:
        ids = list(session.scalars(select(m.Node.id).where(m.Node.sync_key == spec.strip())))
    source, _, key = spec.strip().partition(":")
    if not ids and key:
        owned = select(m.Node.id).join(m.Source).where(m.Source.name == source)
        ids = list(session.scalars(owned.where(m.Node.sync_key == key)))
    if len(ids) > 1:
        named = select(m.Source.name, m.Node.sync_key).join(m.Source).where(m.Node.id.in_(ids))
        keys = ", ".join(f"{src}:{key}" for src, key in session.execute(named))
        raise UsageError(f"{spec!r} names several nodes; name one as SOURCE:KEY ({keys})")
    found = session.get(m.Node, ids[0]) if ids else None
    if found is None:
        raise NotFound(f"there is no node {spec!r}: `rostergate list nodes` shows their paths")
    return found


def _username(session: Session, new: NewAccount) -> str:
    """The username asked for, when free, else one made by the feeds' rules."""
    taken = set(session.scalars(select(m.Account.username_key)))
    if new.username:
        if username_key(new.username) in taken:
            raise Taken(new.username, lookup.account(session, new.username).username)
        return new.username.strip()
    made, _ = Usernames(taken).allocate(None, new.given_name, new.family_name, "generate")
    if made is None:
        raise UsageError("no username can be made from the name: give --username")
    return made


def add(session: Session, new: NewAccount, site_admin: bool = True) -> m.Account:
    """Add a local account and place it; logged, and the store moves to a new revision."""
    if not new.given_name.strip() or not new.family_name.strip():
        raise UsageError("an account needs a given and a family name")
    chosen = profile(session, new.profile, site_admin)
    username = _username(session, new)
    account = m.Account(
        source_id=None,
        sync_key=None,
        username=username,
        username_key=username_key(username),
        given_name=new.given_name.strip(),
        family_name=new.family_name.strip(),
        email=new.email.strip(),
        profile_id=chosen.id,
        status="locked" if new.expires and new.expires <= today() else "active",
        local_fields="",
        birthday=new.birthday,
        expires_on=new.expires,
        password_change=new.password_change and passwords.change_rule(new.password_change),
        password_never_expires=new.password_never_expires,
    )
    if new.password_hash:
        passwords.set_hash(account, new.password_hash)
    session.add(account)
    session.flush()
    for spec in new.places:
        session.execute(
            insert(m.Placement).values(account_id=account.id, node_id=node(session, spec).id)
        )
    after = {
        "username": username,
        "given_name": account.given_name,
        "family_name": account.family_name,
        "email": account.email,
        "profile": chosen.name,
        "birthday": new.birthday,
        **({"expires": new.expires} if new.expires else {}),
        "nodes": list(new.places),
    }
    log(session, "accounts", account.id, username, "create", None, after, "local")
    if new.password_hash:
        log_password(session, account)
    bump(session)
    return account


def log_password(session: Session, account: m.Account) -> None:
    """Log that a password was set, never what it is."""
    key = account.sync_key or account.username
    log(
        session,
        "accounts",
        account.id,
        key,
        "password",
        None,
        {"password": passwords.CHANGED},
        "local",
    )


def _check_local(account: m.Account, what: str) -> None:
    """Refuse a change a feed owns on a synced account."""
    if account.source_id is not None:
        raise RuleError(
            f"{account.username}'s {what} come from its register: change them there "
            "(only a hand-added account is placed by hand)"
        )


def place(session: Session, username: str, spec: str, here: bool) -> m.Node:
    """Place a local account at a node (``here``), or take it away from one."""
    account = lookup.account(session, username)
    _check_local(account, "places")
    at = node(session, spec)
    key = {"account_id": account.id, "node_id": at.id}
    stored = session.get(m.Placement, (account.id, at.id))
    if here and stored is None:
        session.execute(insert(m.Placement).values(key))
    elif here and stored is not None and stored.status != "active":
        session.execute(
            update(m.Placement).filter_by(**key).values(status="active", removed_at=None)
        )
    elif not here and stored is not None:
        session.execute(delete(m.Placement).filter_by(**key))
    else:
        return at
    path = node_paths(session)[at.id]
    before, after = ({}, {"place": path}) if here else ({"place": path}, {})
    log(session, "accounts", account.id, username, "update", before, after, "local")
    bump(session)
    return at


def set_fields(
    session: Session, username: str, values: dict[str, str], site_admin: bool = True
) -> dict[str, tuple[Any, Any]]:
    """Set profile, birthday, expires or the password rules; return what changed."""
    account = lookup.account(session, username)
    current = session.get(m.Profile, account.profile_id)
    assert current is not None
    wanted: dict[str, Any] = {}
    for name, text in values.items():
        if name == "profile":
            chosen = profile(session, text, site_admin)
            if current.security_level >= chosen.security_level and not site_admin:
                top = session.scalar(select(func.max(m.Profile.security_level)))
                if current.security_level == top:
                    raise Forbidden(f"only a site admin may change a {current.name}'s profile")
            wanted["profile"] = chosen
        elif name in ("birthday", "expires"):
            wanted[name] = parse_date(name, text)
        elif name == "password_change":
            wanted[name] = passwords.change_rule(text.strip())
        elif name == "password_never_expires":
            wanted[name] = _boolean(name, text)
        else:
            raise UsageError(f"expected FIELD=VALUE with FIELD one of {', '.join(FIELDS)}")
    return _apply(session, account, current, wanted)


def _boolean(name: str, text: str) -> bool:
    """true or false."""
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.strip().lower() not in words:
        raise UsageError(f"{name} must be true or false, not {text!r}")
    return words[text.strip().lower()]


COLUMNS = {"birthday": "birthday", "expires": "expires_on"}


def _apply(
    session: Session, account: m.Account, current: m.Profile, wanted: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Write the wanted values, log what changed and keep a profile set by hand."""
    diff: dict[str, tuple[Any, Any]] = {}
    for name, value in wanted.items():
        if name == "profile":
            if value.id != account.profile_id:
                diff[name] = (current.name, value.name)
                account.profile_id = value.id
            continue
        column = COLUMNS.get(name, name)
        if getattr(account, column) != value:
            diff[name] = (getattr(account, column), value)
            setattr(account, column, value)
    if "profile" in wanted and account.source_id is not None:
        account.local_fields = ",".join(
            sorted({*account.local_fields.split(","), "profile"} - {""})
        )
    if (
        account.expires_on is not None
        and account.expires_on <= today()
        and account.status == "active"
    ):
        diff["status"] = (account.status, "locked")
        account.status = "locked"
    _log_diff(session, account, diff)
    return diff


def _log_diff(session: Session, account: m.Account, diff: dict[str, tuple[Any, Any]]) -> None:
    """Log an admin's edit of an account (field: (before, after)) and bump the store's revision."""
    if not diff:
        return
    before = {k: v[0] for k, v in diff.items()}
    after = {k: v[1] for k, v in diff.items()}
    key = account.sync_key or account.username
    log(session, "accounts", account.id, key, "update", before, after, "local")
    bump(session)


def unlock(session: Session, username: str) -> dict[str, tuple[Any, Any]]:
    """Clear an admin's expiry date and a lock; an expired account stays expired."""
    account = lookup.account(session, username)
    diff: dict[str, tuple[Any, Any]] = {}
    if account.expires_on is not None:
        diff["expires"] = (account.expires_on, None)
        account.expires_on = None
    if account.status == "locked":
        diff["status"] = ("locked", "active")
        account.status = "active"
    _log_diff(session, account, diff)
    return diff


def check_login(session: Session, name: str) -> dict[str, Any]:
    """Which account a name typed at sign-in reaches: case and diacritics folded."""
    key = username_key(name.strip())
    found = session.scalar(select(m.Account).where(m.Account.username_key == key))
    return {
        "typed": name,
        "compared_as": key,
        "account": found.username if found else None,
        "status": status(found) if found else None,
    }


def set_password(session: Session, username: str, password_hash: str) -> None:
    """Give an account a new password, by its hash; logged without it."""
    account = lookup.account(session, username)
    passwords.set_hash(account, password_hash)
    log_password(session, account)


def lock_due(session: Session, on: date | None = None) -> list[str]:
    """Lock the active accounts whose expiry date has come; return their usernames."""
    day = on or today()
    due = session.scalars(
        select(m.Account).where(
            m.Account.status == "active",
            m.Account.expires_on.is_not(None),
            m.Account.expires_on <= day,
        )
    ).all()
    for account in due:
        account.status = "locked"
        key = account.sync_key or account.username
        after = {"status": "locked", "expires": account.expires_on}
        log(session, "accounts", account.id, key, "update", {"status": "active"}, after, "local")
    if due:
        bump(session)
    return [account.username for account in due]
