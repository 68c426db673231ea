"""Fast row functions for the big files (roles, users, enrollments): rows with nothing to report.

A file's row function is built once, from its header: it picks the cells it needs
by position, strips only those, and looks them up in vocabularies that map each
clean spelling to what it reads as. A row with anything to report (a row of
another width, an empty required cell, an invalid or case-variant value, a
reference not in the package) makes it return None before it has changed
anything, and the careful path (``Table.row`` and the builders in ``entities``
and ``people``) reads that row instead. So both paths give the same records,
issues and tallies; the one quirk the fast path counts itself is a filled-in
status or dateLastModified, which bulk exports often write on every row.

Records are built with every field positional: keywords cost a tenth of a row.
``tests/oneroster/test_oneroster_fast.py`` holds the order to the records' fields
and compares both paths on packages full of quirks.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Hashable
from datetime import date
from typing import Generic, NoReturn, TypeVar

from mapping.records import Membership, Person, RoleClaim
from oneroster.columns import LEGACY_DELETED, ROLE_WORDS, STATUSES, Mode
from oneroster.people import live_roles, roles_11, roles_12
from oneroster.rows import KEPT, FastRow, Kept, Table, list_items, parse_date
from oneroster.state import Agent, Claim, State, role_flags

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
LIMIT = 4096  # spellings a vocabulary keeps; past it, it starts over

# The columns each row function picks, in the order it unpacks them.
ENROLLMENT = (
    *("sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId"),
    *("userSourcedId", "role", "primary", "beginDate", "endDate"),
)
USER = (
    *("sourcedId", "status", "dateLastModified", "enabledUser", "username", "givenName"),
    *("familyName", "email", "agentSourcedIds"),
)
# ... followed by the users.csv columns ``_holds_11`` and ``_holds_12`` pick.
HOLDS_11, HOLDS_12 = ("role", "orgSourcedIds"), ("primaryOrgSourcedId",)
ROLE = (
    *("sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role"),
    *("orgSourcedId", "beginDate", "endDate"),
)

# What a user holds: its claims, its orgs and its GUARDIAN/STUDENT bits (1.2: and
# how many of its roles are primary); what finds it from a row's last cells.
Holding = tuple[tuple[RoleClaim, ...], tuple[str, ...], int]
Holding12 = tuple[tuple[RoleClaim, ...], tuple[str, ...], int, int]
Holds = Callable[[str, list[str]], Holding | None]  # (key, padded cells) → what it holds
# (primary org, role, org, primary, deleted) of a 1.2 user's one roles.csv row
OneRole = tuple[str, str, str, bool, bool]


class Vocabulary(Generic[K, V]):
    """The spellings of a cell the fast path has met, and what each reads as.

    Cells repeat, so each spelling is read once: ``known`` maps the ones met so far
    (a plain dict: row functions look there first, the fastest lookup) and ``lookup``
    learns new ones. ``read`` raises KeyError for a spelling only the careful path may
    read, and such a spelling is never learnt.
    """

    def __init__(self, read: Callable[[K], V], known: dict[K, V] | None = None) -> None:
        self.known: dict[K, V] = dict(known or {})
        self._read = read

    def lookup(self, spelling: K) -> V:
        """What ``spelling`` reads as, learnt if new; KeyError when it is for the careful path."""
        try:
            return self.known[spelling]
        except KeyError:
            value = self._read(spelling)
        if len(self.known) >= LIMIT:
            self.known.clear()  # memory stays bounded; later rows learn again
        self.known[spelling] = value
        return value


class _Anything:
    """The keys of a file that is not read: any key may be in it, so none is reported."""

    def __contains__(self, key: object) -> bool:
        return True


def _known(state: State, name: str) -> Container[str]:
    """The keys that resolve without an issue: those of file ``name``, or any if it is not read."""
    return state.keys[name] if name in state.modes else _Anything()


def _positions(table: Table, columns: tuple[str, ...]) -> tuple[bool, tuple[int, ...]]:
    """Whether rows need a padding cell, and where each of ``columns`` sits in a padded row.

    A column the header lacks sits in the padding cell, one past the header's width, so it
    reads "" as ``Row.text`` has it.
    """
    width, index = table.header.width, table.header.index
    return not all(c in index for c in columns), tuple(index.get(c, width) for c in columns)


def _dated(table: Table) -> bool:
    """Whether rows must fill in dateLastModified (delta files)."""
    return table.mode == "delta"


def _deleted(mode: Mode) -> Callable[[str], bool]:
    """Whether a status reads as deleted; a status that is no status (or none in delta) raises."""

    def read(status: str) -> bool:
        folded = status.casefold()
        if folded in STATUSES or folded == LEGACY_DELETED or (not status and mode != "delta"):
            return folded in ("tobedeleted", LEGACY_DELETED)
        raise KeyError(status)

    return read


def _unknown(spelling: str) -> NoReturn:
    """For a fixed vocabulary: every spelling it lacks is for the careful path."""
    raise KeyError(spelling)


def _role(word: str) -> str:
    """A role as sent; a spec role in another case raises (the careful path counts it)."""
    if word not in ROLE_WORDS and word.casefold() in _FOLDED_ROLES:
        raise KeyError(word)
    return word


def _date(text: str) -> date | None:
    """A date cell; one that is no date raises (the careful path reports it)."""
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise KeyError(text) from None


# Boolean cells and roleType: the clean spellings; any other takes the careful path.
FLAGS: Vocabulary[str, bool | None] = Vocabulary(_unknown, {"": None, "true": True, "false": False})
ROLE_TYPES = Vocabulary(_unknown, {"primary": True, "secondary": False})
_FOLDED_ROLES = {w.casefold() for w in ROLE_WORDS}


def careful(table: Table, state: State) -> FastRow:
    """For the small files: every row takes the careful path."""
    return _careful


def _careful(cells: list[str], line: int) -> None:
    """Leave the row to the careful path."""
    return None


def enrollments(table: Table, state: State) -> FastRow:
    """Enrollment rows → Memberships."""
    width, file, tally, dated = table.header.width, table.file, table.status_tallies, _dated(table)
    pad, at = _positions(table, ENROLLMENT)
    at_key, at_status, at_modified, at_class, at_school = at[:5]
    at_user, at_role, at_primary, at_begin, at_end = at[5:]
    users, classes, orgs = _known(state, "users"), _known(state, "classes"), _known(state, "orgs")
    statuses, roles, dates = Vocabulary(_deleted(table.mode)), Vocabulary(_role), Vocabulary(_date)
    status_of, role_of, flag_of, date_of = statuses.known, roles.known, FLAGS.known, dates.known

    def enrollment(cells: list[str], line: int) -> Membership | None:
        if len(cells) != width:
            return None
        if pad:
            cells = [*cells, ""]
        key, status = cells[at_key].strip(), cells[at_status].strip()
        modified, group = cells[at_modified].strip(), cells[at_class].strip()
        school, user = cells[at_school].strip(), cells[at_user].strip()
        role, primary = cells[at_role].strip(), cells[at_primary].strip()
        begin, end = cells[at_begin].strip(), cells[at_end].strip()
        if not (key and group and user and role and (modified or not dated)):
            return None
        if user not in users or group not in classes or (school and school not in orgs):
            return None
        try:
            deleted, word, flag = status_of[status], role_of[role], flag_of[primary]
            begins, ends = date_of[begin], date_of[end]
        except KeyError:  # a spelling met for the first time
            try:
                deleted, word = statuses.lookup(status), roles.lookup(role)
                flag, begins, ends = FLAGS.lookup(primary), dates.lookup(begin), dates.lookup(end)
            except KeyError:  # one only the careful path may read
                return None
        if status or modified:  # counted as the careful path counts them
            tally(line, key, status, modified)
        return Membership(user, group, word, deleted, flag, begins, ends, key, "", line, file)

    return enrollment


def roles(table: Table, state: State) -> FastRow:
    """roles.csv rows → Claims, held for their users."""
    width, tally, dated = table.header.width, table.status_tallies, _dated(table)
    pad, at = _positions(table, ROLE)
    at_key, at_status, at_modified, at_user, at_type, at_role, at_org, at_begin, at_end = at
    orgs, held, current = _known(state, "orgs"), state.claims, state.current
    statuses, roles, dates = Vocabulary(_deleted(table.mode)), Vocabulary(_role), Vocabulary(_date)
    status_of, type_of, role_of = statuses.known, ROLE_TYPES.known, roles.known
    date_of = dates.known

    def role(cells: list[str], line: int) -> Kept | None:
        if len(cells) != width:
            return None
        if pad:
            cells = [*cells, ""]
        key, status = cells[at_key].strip(), cells[at_status].strip()
        modified, user = cells[at_modified].strip(), cells[at_user].strip()
        kind, word, org = cells[at_type].strip(), cells[at_role].strip(), cells[at_org].strip()
        begin, end = cells[at_begin].strip(), cells[at_end].strip()
        if not (key and user and kind and word and org and (modified or not dated)):
            return None
        if org not in orgs:
            return None
        try:
            deleted, primary, word = status_of[status], type_of[kind], role_of[word]
            begins, ends = date_of[begin], date_of[end]
        except KeyError:  # a spelling met for the first time
            try:
                deleted, primary = statuses.lookup(status), ROLE_TYPES.lookup(kind)
                word, begins, ends = roles.lookup(word), dates.lookup(begin), dates.lookup(end)
            except KeyError:  # one only the careful path may read
                return None
        if status or modified:
            tally(line, key, status, modified)
        claim = Claim(word, org, primary, line, key, deleted, current(begins, ends))
        held.setdefault(user, []).append(claim)
        return KEPT

    return role


def users(table: Table, state: State) -> FastRow:
    """users.csv rows → Persons, with what ``_holds_11`` or ``_holds_12`` finds they hold."""
    width, file, tally, dated = table.header.width, table.file, table.status_tallies, _dated(table)
    v11 = state.version == "1.1"
    pad, at = _positions(table, USER + (HOLDS_11 if v11 else HOLDS_12))
    at_key, at_status, at_modified, at_enabled, at_username = at[:5]
    at_given, at_family, at_email, at_agents = at[5:9]
    holds = (_holds_11 if v11 else _holds_12)(state, at[9:])
    username_sent, email_sent = "username" in table.header.index, "email" in table.header.index
    at_password = table.header.index.get("password")  # an initial password, rarely sent
    keys, flags, agents = state.keys["users"], state.flags, state.agents
    statuses = Vocabulary(_deleted(table.mode))
    status_of, flag_of = statuses.known, FLAGS.known

    def user(cells: list[str], line: int) -> Person | None:
        if len(cells) != width:
            return None
        if pad:
            cells = [*cells, ""]
        key, status = cells[at_key].strip(), cells[at_status].strip()
        modified, enabled = cells[at_modified].strip(), cells[at_enabled].strip()
        if not (key and (modified or not dated)):
            return None
        try:
            deleted, enabled_flag = status_of[status], flag_of[enabled]
        except KeyError:  # a spelling met for the first time
            try:
                deleted, enabled_flag = statuses.lookup(status), FLAGS.lookup(enabled)
            except KeyError:  # one only the careful path may read
                return None
        found = holds(key, cells)  # last: it takes the user's roles
        if found is None:
            return None
        claims, orgs, bits = found
        if status or modified:
            tally(line, key, status, modified)
        if bits:
            flags[key] = bits
        keys.add(key)
        ids = cells[at_agents].strip()
        if ids:
            for agent in list_items(ids) if "," in ids else (ids,):
                agents.append(Agent(key, agent, line, deleted))
        return Person(
            key,
            cells[at_given].strip(),
            cells[at_family].strip(),
            cells[at_username].strip() if username_sent else None,
            cells[at_email].strip() if email_sent else None,
            claims,
            orgs,
            enabled_flag is not False,
            deleted,
            "",
            "",
            line,
            file,
            (cells[at_password].strip() or None) if at_password is not None else None,
        )

    return user


def _holds_11(state: State, at: tuple[int, ...]) -> Holds:
    """1.1: a user's role at each of its orgs, from its role and orgSourcedIds."""
    (at_role, at_orgs), orgs, holdings = at, _known(state, "orgs"), Vocabulary(_holding_11)

    def holds(key: str, cells: list[str]) -> Holding | None:
        role = cells[at_role].strip()
        if not role:
            return None
        try:
            found = holdings.lookup((role, cells[at_orgs].strip()))
        except KeyError:
            return None
        return None if any(o not in orgs for o in found[1]) else found

    return holds


def _holding_11(role_orgs: tuple[str, str]) -> Holding:
    """What a 1.1 user with this role and orgSourcedIds holds; a case-variant role raises."""
    word, orgs = _role(role_orgs[0]), list_items(role_orgs[1])
    claims = roles_11(word, orgs)
    return claims, orgs, role_flags([c.role for c in claims])


def _holds_12(state: State, at: tuple[int, ...]) -> Holds:
    """1.2: a user's live roles.csv roles and its primary org; takes the roles once read."""
    (at_primary,), orgs, held = at, _known(state, "orgs"), state.claims
    ones, bulk = Vocabulary(_holding_one), state.modes.get("roles") == "bulk"

    def holds(key: str, cells: list[str]) -> Holding | None:
        primary = cells[at_primary].strip()
        if primary and primary not in orgs:
            return None
        mine = held.get(key, ())
        if not all(c.current for c in mine):
            return None  # the careful path reports roles out of their dates
        if len(mine) == 1:  # the common case: what it holds is learnt once
            role, org, is_primary, _, _, deleted, _ = mine[0]
            found = ones.lookup((primary, role, org, is_primary, deleted))
        else:
            found = _holding_12(live_roles(mine), primary)
        claims, orgs_held, bits, primaries = found
        if bulk and primaries != 1:
            return None  # the careful path warns
        held.pop(key, None)
        return claims, orgs_held, bits

    return holds


def _holding_one(one: OneRole) -> Holding12:
    """What a 1.2 user with one roles.csv row holds."""
    primary, role, org, is_primary, deleted = one
    return _holding_12(live_roles([Claim(role, org, is_primary, 0, "", deleted)]), primary)


def _holding_12(live: list[Claim], primary: str) -> Holding12:
    """What a 1.2 user with these live roles holds, and how many are primary."""
    claims, orgs = roles_12(live, primary)
    return claims, orgs, role_flags([c.role for c in claims]), sum(c.primary for c in live)
