"""``person`` element → Person, plus GuardianLinks from PIFU contact persons."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ims import tree
from ims.context import Context
from mapping.records import GuardianLink, Person, RoleClaim, RowIssue

Element = etree._Element


def read_person(element: Element, ctx: Context) -> Iterator[Person | GuardianLink | RowIssue]:
    """Turn one ``person`` into a Person and its guardian links."""
    key, old_key, source = _keys(element)
    if not key:
        message = "person without sourcedid/id; skipped"
        yield ctx.issue("error", "missing_key", message, entity="accounts", at=element)
        return
    given, family = _names(element)
    person = Person(
        key=key,
        given_name=given,
        family_name=family,
        username=_username(element),
        email=tree.text(element, "email"),
        roles=_roles(element),
        enabled=_enabled(element),
        deleted=tree.attr(element, "recstatus") == "3",
        old_key=old_key,
        source=source,
        line=tree.line(element),
        file=ctx.file,
    )
    ctx.refs.persons.add(key)
    yield person
    yield from _guardians(element, person, ctx)


def _keys(element: Element) -> tuple[str, str, str]:
    """(key, old key, source): the New sourcedid re-keys the person named by the Old one."""
    typed: dict[str, Element] = {}
    for sourcedid in tree.children(element, "sourcedid"):
        kind = (tree.attr(sourcedid, "sourcedidtype") or "").casefold()
        typed.setdefault(kind if kind in ("new", "old", "duplicate") else "", sourcedid)
    # A Duplicate sourcedid names another record of the same person: never the key.
    main = next((typed[kind] for kind in ("new", "", "old") if kind in typed), None)
    if main is None:
        return "", "", ""
    key = tree.text(main, "id") or ""
    old = tree.text(typed.get("old"), "id") or ""
    return key, "" if old == key else old, tree.text(main, "source") or ""


def _username(element: Element) -> str | None:
    """The ``username``-typed userid, else an untyped one; None when empty or absent.

    PIFU's other userid types (personNIN, studentID, sisID, ...) are identifiers,
    not login names, and an empty ``<userid/>`` asks for a generated username.
    """
    untyped: str | None = None
    for userid in tree.children(element, "userid"):
        kind = (tree.attr(userid, "useridtype") or "").casefold()
        if kind == "username":
            return tree.text(userid) or None
        if not kind and untyped is None:
            untyped = tree.text(userid) or ""
    return untyped or None


def _names(element: Element) -> tuple[str, str]:
    """(given, family) from ``name/n``; a missing part comes from ``fn`` split at its last space."""
    given = tree.text(element, "name", "n", "given")
    family = tree.text(element, "name", "n", "family")
    if given is None or family is None:
        full = tree.text(element, "name", "fn") or ""
        first, _, last = full.rpartition(" ")
        split_given, split_family = (first, last) if first else (last, "")
        given = split_given if given is None else given
        family = split_family if family is None else family
    return given, family


def _roles(element: Element) -> tuple[RoleClaim, ...]:
    """The person's institution roles, exactly as sent."""
    roles = (tree.attr(r, "institutionroletype") for r in tree.children(element, "institutionrole"))
    return tuple(RoleClaim(role) for role in roles if role)


def _enabled(element: Element) -> bool:
    """False when PIFU marks the person inactive (``pifu_status type="activeInactive"``)."""
    for status in tree.children(tree.child(element, "extension"), "pifu_status"):
        if tree.attr(status, "type") == "activeInactive" and tree.text(status) == "inaktiv":
            return False
    return True


def _guardians(element: Element, person: Person, ctx: Context) -> Iterator[GuardianLink | RowIssue]:
    """GuardianLinks from PIFU ``pifu_hasContactPerson type="guardian"``."""
    for contact in tree.children(tree.child(element, "extension"), "pifu_hasContactPerson"):
        kind = tree.attr(contact, "type") or ""
        if kind != "guardian":
            message = f"contact persons of type {kind!r} are not guardians; ignored"
            yield from ctx.once(
                "ignored_contact", kind, message, entity="guardian_links", at=contact
            )
            continue
        guardian = tree.key(contact)
        if not guardian:
            message = f"guardian of {person.key!r} without sourcedid/id; skipped"
            yield ctx.issue("error", "missing_key", message, entity="guardian_links", at=contact)
            continue
        link = GuardianLink(
            guardian, person.key, person.deleted, person.source, tree.line(contact), ctx.file
        )
        yield from ctx.refs.link(link)
