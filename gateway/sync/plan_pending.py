"""Pending persons: persons a source sent before any role or membership for them.

Registers such as Datatel Colleague send persons in one file and their memberships in
a later one, and IMS Enterprise does not require a person to carry a role. Such a person
is kept, per source and key, with the fields the feed sent, but gets no account and no
profile; the run whose memberships or links name it plans it as if the feed had sent it
again, and makes the account.
"""

from __future__ import annotations

from gateway.sync.context import Context
from mapping.records import Person


def with_named(ctx: Context) -> dict[str, Person]:
    """The feed's persons, and the source's pending persons its memberships or links name."""
    desired, pending = ctx.desired, ctx.snapshot.pending
    if not pending:
        return desired.persons
    named = desired.memberships.persons()
    named.update(key for pair in desired.links for key in pair)
    carried = {key: pending[key] for key in named if key in pending}
    carried = {key: p for key, p in carried.items() if key not in desired.persons}
    return {**desired.persons, **carried} if carried else desired.persons


def keep(ctx: Context, person: Person) -> None:
    """Keep a person pending: stored when new, or when the feed changed what it sent."""
    kept = ctx.snapshot.pending.get(person.key)
    if kept is None or _fields(kept) != _fields(person):
        ctx.plan.pending.keep.append(person)


def _fields(person: Person) -> tuple[object, ...]:
    """What a pending person keeps of the Person the feed sent."""
    p = person
    return (p.given_name, p.family_name, p.username, p.email, p.roles, p.orgs, p.enabled)


def dropped(ctx: Context) -> list[str]:
    """Pending persons that are an account now, that the feed deletes, or that a full
    snapshot of persons leaves out (nothing to expire: they never had an account)."""
    accounts, persons = ctx.refs["accounts"], ctx.desired.persons
    full = "accounts" in ctx.desired.scopes
    return [
        key
        for key in ctx.snapshot.pending
        if key in accounts or (persons[key].deleted if key in persons else full)
    ]
