"""Values the store cannot hold, caught before planning and the same on every store.

PostgreSQL refuses a value longer than its column or holding a NUL byte, and the
whole run fails with it; SQLite stores either as is. So every record passes through
:func:`checked` first: a bad key, name, username or role skips the record with an
error; a bad optional field (e-mail, old key, an org, a role claim, a subject) is
dropped with a warning and the rest of the record goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from operator import sub
from types import MappingProxyType

from email_validator import EmailNotValidError, validate_email

from mapping.records import (
    Group,
    GuardianLink,
    Membership,
    MembershipBatch,
    Org,
    Person,
    Record,
    RowIssue,
    Scope,
    Severity,
)

# The store's column sizes (gateway/store/models/; a test keeps the two in step).
LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "key": 255,  # sync_key of accounts, nodes and groups
        "name": 255,  # given and family names, node and group names
        "username": 255,
        "email": 320,
        "role": 100,  # a role word, as profiles match it (role_matches.role)
        "text": 1_000_000,  # Text columns (group subjects) have no size: this bounds a runaway
    }
)
_KEY, _NAME, _EMAIL = LIMITS["key"], LIMITS["name"], LIMITS["email"]
FREE_TEXT = frozenset({"name", "text"})
# Any C0 control character or DEL; free text may hold a tab, which harms nothing.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MESSAGE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_USERNAME = re.compile(r"[\w.@+-]+\Z")
# An ASCII dot-atom local part: at a domain the validator accepts, the address is valid.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*\Z")

Item = Record | RowIssue
Keyed = Person | Org | Group | Membership | GuardianLink
Problem = tuple[str, str]  # (issue code, what is wrong)
Fields = tuple[tuple[str, str, str], ...]  # (field, value, kind)


def checked(stream: Iterable[Item]) -> Iterator[Item]:
    """Pass the stream on with every value the store cannot hold skipped or dropped."""
    check = _Checker()
    keys, roles = check.good["key"], check.good["role"]
    for item in stream:
        # The hot path: a million memberships name the same few keys and roles again.
        if (
            isinstance(item, Membership)
            and item.person in keys
            and item.group in keys
            and item.role in roles
            and (not item.key or (len(item.key) <= _KEY and item.key.isprintable()))
        ):
            yield item
        elif isinstance(item, RowIssue):
            yield printable_issue(item)
        elif isinstance(item, Scope):
            yield item
        elif isinstance(item, MembershipBatch):
            yield from _batch(item, check)
        else:
            yield from check.record(item)


def _batch(batch: MembershipBatch, check: _Checker) -> Iterator[Item]:
    """The batch less the rows the store cannot hold, which come as their issues.

    The kept rows stay one batch rather than single records ahead of the file's other
    rows: the feed settles a membership two rows name by their lines (the later wins),
    and meets roles in the order of the lines.
    """
    unfit = _unfit(batch, check)
    for row in unfit:
        yield from check.record(batch.membership(row))
    if not unfit:
        yield batch
    elif len(unfit) < len(batch):
        skipped = set(unfit)
        yield batch.take([row for row in range(len(batch)) if row not in skipped])


def _unfit(batch: MembershipBatch, check: _Checker) -> list[int]:
    """The batch's rows with a person, group, role or own key the store cannot hold."""
    ends = batch.key_ends
    longest = max(map(sub, ends[1:], ends), default=0)  # in bytes: at least the characters
    keys_fit = longest <= _KEY and batch.keys.decode().isprintable()
    named = [
        (batch.person, batch.persons, "key"),
        (batch.group, batch.groups, "key"),
        (batch.role, batch.roles, "role"),
    ]
    bad = [
        (codes, wrong)
        for codes, values, kind in named
        if (wrong := {at for at, value in enumerate(values) if check.bad(value, kind)})
    ]
    if keys_fit and not bad:
        return []
    return [
        row
        for row in range(len(batch))
        if any(codes[row] in wrong for codes, wrong in bad)
        or (not keys_fit and problem(batch.key(row), "key") is not None)
    ]


def problem(value: str, kind: str) -> Problem | None:
    """What keeps ``value`` (of a kind in LIMITS) out of the store, if anything."""
    limit = LIMITS[kind]
    if len(value) > limit:
        return "value_too_long", f"is {len(value)} characters long, over the store's {limit}"
    control = (_TEXT_CONTROL if kind in FREE_TEXT else _CONTROL).search(value)
    if control:
        code = f"U+{ord(control.group()):04X}"
        return (
            "control_character",
            f"holds a control character ({code}) at position {control.start() + 1}",
        )
    if kind == "username" and not _USERNAME.match(value):
        return "invalid_username", "holds characters other than letters, digits and . _ - @ +"
    if kind == "email":
        why = email_problem(value)
        return ("invalid_email", f"is not an e-mail address: {why}") if why else None
    return None


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an e-mail address (syntax only, no DNS), or None."""
    local, _, domain = email.rpartition("@")
    plain = len(email) <= 254 and len(local) <= 64 and _PLAIN_LOCAL.match(local)
    if plain and domain.isascii() and _domain_problem(domain) is None:
        return None  # the common case, without the validator's cost for every address
    return _validated(email)


@lru_cache(maxsize=4096)
def _domain_problem(domain: str) -> str | None:
    """Why the validator refuses addresses at ``domain`` (a feed uses a handful of domains)."""
    return _validated(f"x@{domain}")


def _validated(email: str) -> str | None:
    """The validator's complaint about ``email``, or None."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as err:
        return str(err).rstrip(".")
    return None


def printable_issue(issue: RowIssue) -> RowIssue:
    """The issue with control characters escaped (a message keeps its line breaks and tabs)."""
    if not (_CONTROL.search(issue.key) or _MESSAGE_CONTROL.search(issue.message)):
        return issue
    return replace(issue, key=shown(issue.key), message=_escape(issue.message, _MESSAGE_CONTROL))


def shown(value: str) -> str:
    """A value as an issue names it: control characters escaped, cut to the key column."""
    escaped = _escape(value, _CONTROL)
    limit = LIMITS["key"]
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


def _escape(text: str, control: re.Pattern[str]) -> str:
    """``text`` with the characters ``control`` matches written as Python escapes."""
    return control.sub(lambda found: repr(found.group())[1:-1], text)


def _issue(
    severity: Severity, record: Keyed, entity: str, key: str, bad: tuple[str, Problem], then: str
) -> RowIssue:
    """The issue for one field the store cannot hold."""
    field, (code, why) = bad
    message = f"{field} {why}; {then}"
    return RowIssue(severity, code, message, entity, shown(key), record.line, record.file)


class _Checker:
    """Checks records, remembering the keys and roles found good: memberships repeat them."""

    def __init__(self) -> None:
        self.good: dict[str, set[str]] = {"key": set(), "role": set()}

    def bad(self, value: str, kind: str) -> Problem | None:
        """The value's problem, if any (a key or role found good once is not checked again)."""
        good = self.good.get(kind)
        if good is not None and value in good:
            return None
        found = problem(value, kind)
        if found is None and good is not None:
            good.add(value)
        return found

    def first(self, fields: Fields) -> tuple[str, Problem] | None:
        """The first field (with its problem) the store cannot hold."""
        for name, value, kind in fields:
            found = self.bad(value, kind) if value else None
            if found is not None:
                return name, found
        return None

    def record(self, record: Keyed) -> Iterator[Item]:
        """The record, or its issues and what is left of it."""
        if isinstance(record, Membership):
            return self.membership(record)
        if isinstance(record, Person):
            return self.person(record)
        if isinstance(record, Org):
            return self.node(record)
        if isinstance(record, Group):
            return self.group(record)
        return self.link(record)

    def membership(self, m: Membership) -> Iterator[Membership | RowIssue]:
        """A membership whose person, group, role and own key (an enrollment's sourcedId)
        the store can hold."""
        fields: Fields = (
            ("person", m.person, "key"),
            ("group", m.group, "key"),
            ("key", m.key, "key"),
        )
        bad = self.first((*fields, ("role", m.role, "role")))
        if bad is None:
            yield m
        else:
            yield _issue("error", m, "memberships", f"{m.person}@{m.group}", bad, "skipped")

    def fits(self, p: Person) -> bool:
        """Whether the store can hold all of the person: the common case, checked in one go."""
        keys, roles, username, email = self.good["key"], self.good["role"], p.username, p.email
        if (
            max(len(p.key), len(p.old_key)) > _KEY
            or max(len(p.given_name), len(p.family_name)) > _NAME
            or _CONTROL.search(p.key + p.old_key)
            or _TEXT_CONTROL.search(p.given_name + p.family_name)
            or (username and (len(username) > _NAME or not _USERNAME.match(username)))
            or (email and (len(email) > _EMAIL or email_problem(email) is not None))
        ):
            return False
        for claim in p.roles:
            if claim.role not in roles or (claim.org and claim.org not in keys):
                return False
        return keys.issuperset(p.orgs)

    def person(self, p: Person) -> Iterator[Person | RowIssue]:
        """A person: skipped for a bad key, name or username, else with bad extras dropped."""
        if self.fits(p):
            self.good["key"].add(p.key)
            yield p
            return
        names: Fields = (
            ("given_name", p.given_name, "name"),
            ("family_name", p.family_name, "name"),
        )
        bad = self.first(
            (("key", p.key, "key"), *names, ("username", p.username or "", "username"))
        )
        if bad is not None:
            yield _issue("error", p, "accounts", p.key, bad, "skipped")
            return
        warnings: list[RowIssue] = []

        def keep(field: str, value: str | None, kind: str) -> bool:
            found = self.bad(value, kind) if value else None
            if found is not None:
                warnings.append(_issue("warning", p, "accounts", p.key, (field, found), "ignored"))
            return found is None

        dropped: dict[str, object] = {}
        if not keep("email", p.email, "email"):
            dropped["email"] = None
        if not keep("old_key", p.old_key, "key"):
            dropped["old_key"] = ""
        roles = tuple(
            c for c in p.roles if keep("role", c.role, "role") and keep("org", c.org, "key")
        )
        if roles != p.roles:
            dropped["roles"] = roles
        orgs = tuple(org for org in p.orgs if keep("org", org, "key"))
        if orgs != p.orgs:
            dropped["orgs"] = orgs
        yield from warnings
        yield replace(p, **dropped) if dropped else p  # type: ignore[arg-type]

    def node(self, org: Org) -> Iterator[Org | RowIssue]:
        """A node whose key, name and parent the store can hold."""
        fields: Fields = (("key", org.key, "key"), ("name", org.name, "name"))
        bad = self.first((*fields, ("parent", org.parent, "key")))
        yield org if bad is None else _issue("error", org, "nodes", org.key, bad, "skipped")

    def group(self, g: Group) -> Iterator[Group | RowIssue]:
        """A group: skipped for a bad key, name, school or course, else bad subjects dropped."""
        fields: Fields = (("key", g.key, "key"), ("name", g.name, "name"))
        bad = self.first((*fields, ("school", g.school, "key"), ("course", g.course, "key")))
        if bad is not None:
            yield _issue("error", g, "groups", g.key, bad, "skipped")
            return
        subjects = []
        for subject in g.subjects:
            found = self.bad(subject, "text")
            if found is None:
                subjects.append(subject)
            else:
                yield _issue("warning", g, "groups", g.key, ("subject", found), "ignored")
        yield g if len(subjects) == len(g.subjects) else replace(g, subjects=tuple(subjects))

    def link(self, link: GuardianLink) -> Iterator[GuardianLink | RowIssue]:
        """A guardian link between two keys the store can hold."""
        bad = self.first((("guardian", link.guardian, "key"), ("student", link.student, "key")))
        if bad is None:
            yield link
        else:
            key = f"{link.guardian}>{link.student}"
            yield _issue("error", link, "guardian_links", key, bad, "skipped")
