"""``person`` element → Person, plus GuardianLinks from PIFU contact persons.

Each element's children are read in one pass (``tree.by_name``) and looked up
from there: a large file holds a hundred thousand persons and more.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lxml import etree

from ims import tree
from ims.context import Context
from mapping.records import GuardianLink, Person, RoleClaim, RowIssue

Element = etree._Element


def read_person(element: Element, ctx: Context) -> Iterator[Person | GuardianLink | RowIssue]:
    """Turn one ``person`` into a Person and its guardian links."""
    children = tree.by_name(element)
    key, old_key, source = _keys(children.get("sourcedid", ()))
    if not key:
        message = "person without sourcedid/id; skipped"
        yield ctx.issue("error", "missing_key", message, entity="accounts", at=element)
        return
    given, family = _names(tree.first(children, "name"))
    extension = tree.by_name(tree.first(children, "extension"))
    person = Person(
        key=key,
        given_name=given,
        family_name=family,
        username=_username(children.get("userid", ())),
        email=tree.text(tree.first(children, "email")),
        roles=_roles(children.get("institutionrole", ())),
        enabled=_enabled(extension.get("pifu_status", ())),
        deleted=tree.attr(element, "recstatus") == "3",
        old_key=old_key,
        source=source,
        line=tree.line(element),
        file=ctx.file,
        password=_password(children.get("userid", ())),
    )
    ctx.refs.persons.add(key)
    yield person
    contacts = extension.get("pifu_hasContactPerson")
    if contacts:
        yield from _guardians(contacts, person, ctx)


def _keys(sourcedids: Sequence[Element]) -> tuple[str, str, str]:
    """(key, old key, source): the New sourcedid re-keys the person named by the Old one."""
    typed: dict[str, Element] = {}
    for sourcedid in sourcedids:
        kind = (tree.attr(sourcedid, "sourcedidtype") or "").casefold()
        typed.setdefault(kind if kind in ("new", "old", "duplicate") else "", sourcedid)
    # A Duplicate sourcedid names another record of the same person: never the key.
    main = typed.get("new", typed.get("", typed.get("old")))
    if main is None:
        return "", "", ""
    key, source = tree.ids(main)
    old = tree.text(typed.get("old"), "id") or ""
    return key, "" if old == key else old, source


def _username(userids: Sequence[Element]) -> str | None:
    """The ``username``-typed userid, else an untyped one; None when empty or absent.

    PIFU's other userid types (personNIN, studentID, sisID, ...) are identifiers,
    not login names, and an empty ``<userid/>`` asks for a generated username.
    """
    untyped: str | None = None
    for userid in userids:
        kind = (tree.attr(userid, "useridtype") or "").casefold()
        if kind == "username":
            return tree.text(userid) or None
        if not kind and untyped is None:
            untyped = tree.text(userid) or ""
    return untyped or None


def _password(userids: Sequence[Element]) -> str | None:
    """The initial password a ``userid`` carries in its ``password`` attribute, if any."""
    for userid in userids:
        password = tree.attr(userid, "password")
        if password:
            return password
    return None


def _names(name: Element | None) -> tuple[str, str]:
    """(given, family) from ``name/n``; a missing part comes from ``fn`` split at its last space."""
    parts = tree.firsts(name)
    n = tree.firsts(parts.get("n"))
    given = tree.text(n.get("given"))
    family = tree.text(n.get("family"))
    if given is None or family is None:
        full = tree.text(parts.get("fn")) or ""
        first, _, last = full.rpartition(" ")
        split_given, split_family = (first, last) if first else (last, "")
        given = split_given if given is None else given
        family = split_family if family is None else family
    return given, family


def _roles(institutionroles: Sequence[Element]) -> tuple[RoleClaim, ...]:
    """The person's institution roles, exactly as sent."""
    roles = (tree.attr(r, "institutionroletype") for r in institutionroles)
    return tuple(RoleClaim(role) for role in roles if role)


def _enabled(statuses: Sequence[Element]) -> bool:
    """False when PIFU marks the person inactive (``pifu_status type="activeInactive"``)."""
    for status in statuses:
        if tree.attr(status, "type") == "activeInactive" and tree.text(status) == "inaktiv":
            return False
    return True


def _guardians(
    contacts: Sequence[Element], person: Person, ctx: Context
) -> Iterator[GuardianLink | RowIssue]:
    """GuardianLinks from PIFU ``pifu_hasContactPerson type="guardian"``."""
    for contact in contacts:
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
        if not ctx.refs.hold(link):
            yield link
