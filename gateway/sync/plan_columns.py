"""Plan the feed's columns of plain memberships as set operations on integer arrays.

Persons and (group, role) pairs are resolved once per dictionary entry, as the row
planner resolves them; then each row's account, group and hierarchy role are codes,
and the stored memberships are found by a sorted search over their packed keys. A
row that is a membership two rows share (two role words mapping to one hierarchy
role), whose stored row has details, or that has a problem to report, goes back to
the row planner, so both give the same plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gateway.sync.changes import Ref
from gateway.sync.columns import Columns
from gateway.sync.desired import MembershipKey

if TYPE_CHECKING:
    from gateway.sync.plan_members import _Planner

Ints = np.ndarray[Any, np.dtype[np.int64]]
# A row the row planner takes: (line first met, line, key)
Single = tuple[int, int, MembershipKey]


class _Numbers(dict[Any, int]):
    """Values → dense numbers, numbering a value the first time it is asked for."""

    def __missing__(self, value: Any) -> int:
        self[value] = len(self)
        return self[value]


def plan_columns(planner: _Planner, columns: Columns) -> list[Single]:
    """Plan every row that needs no row planner; return the rows that do."""
    refs, problems = _Numbers(), _Numbers()
    problems[""]  # number 0: no problem
    roles = _Numbers()
    accounts: list[Ref | None] = []
    for person in columns.persons.values:
        ref = planner.accounts.get(person)
        accounts.append(ref if ref is not None else _account(planner, person))
    account = np.array([-1 if a is None else refs[("a", a)] for a in accounts], dtype=np.int64)
    stored_account = np.array([a if isinstance(a, int) else -1 for a in accounts], dtype=np.int64)
    words = columns.roles.values
    pairs, pair_of = np.unique(columns.group * len(words) + columns.role, return_inverse=True)
    resolved = [planner.resolve_once(columns.groups.values[p // len(words)], words[p % len(words)])
                for p in pairs.tolist()]  # fmt: skip
    group = np.array([-1 if r[0] is None else refs[("g", r[0])] for r in resolved], np.int64)
    role = np.array([roles[r[1]] for r in resolved], dtype=np.int64)
    part = np.array([-1 if r[3] is None else r[3] for r in resolved], dtype=np.int64)
    problem = np.array([problems[r[2]] for r in resolved], dtype=np.int64)
    rows = {"account": account[columns.person], "group": group[pair_of], "role": role[pair_of]}
    why = problem[pair_of]
    no_person = (why == 0) & (rows["account"] < 0)
    single = _problems(planner, columns, why, problems, no_person)
    good = (why == 0) & ~no_person
    shared = _shared(planner, rows, good, refs, roles)
    single += _singles(planner, columns, np.flatnonzero(shared))
    good &= ~shared
    stored = np.where(
        part[pair_of] >= 0, (stored_account[columns.person] << 36) | part[pair_of], -1
    )
    stored[stored_account[columns.person] < 0] = -1
    single += _plan_good(
        planner, columns, np.flatnonzero(good), stored, accounts, resolved, pair_of
    )
    return single


def _account(planner: _Planner, person: str) -> Ref | None:
    """The account a person key refers to, as the row planner finds it."""
    from gateway.sync.plan_members import account_ref

    return account_ref(planner.ctx, person)


def _problems(
    planner: _Planner, columns: Columns, why: Ints, problems: _Numbers, no_person: Any
) -> list[Single]:
    """Count the rows a school's setting keeps out; the other problem rows go to the row planner."""
    names = {number: name for name, number in problems.items()}
    for number, name in names.items():
        if name.startswith("off:"):
            _, school, setting = name.split(":", 2)
            planner.ctx.block("memberships", school, setting, int(np.count_nonzero(why == number)))
    quiet = [
        n for n, name in names.items() if not name or name == "placement" or name[:4] == "off:"
    ]
    loud = ~np.isin(why, quiet) | no_person
    return _singles(planner, columns, np.flatnonzero(loud))


def _shared(
    planner: _Planner, rows: dict[str, Ints], good: Any, refs: _Numbers, roles: _Numbers
) -> Any:
    """Good rows whose (account, group, hierarchy role) another row also is: those go in order."""
    others = []
    for key in planner.ctx.desired.memberships.rows:
        account = planner.accounts.get(key[0])
        found = planner.resolve_once(key[1], key[2])
        if account is None:
            account = _account(planner, key[0])
        if account is not None and not found[2] and found[0] is not None:
            others.append((refs[("a", account)], refs[("g", found[0])], roles[found[1]]))
    width = len(refs) + 1
    packed = (rows["account"] * width + rows["group"]) * 64 + rows["role"]
    theirs = [(a * width + g) * 64 + r for a, g, r in others]
    mine = packed[good]
    every = np.concatenate([mine, np.array(theirs, dtype=np.int64)])
    values, counts = np.unique(every, return_counts=True)
    shared = np.zeros(len(packed), dtype=bool)
    shared[np.flatnonzero(good)[np.isin(mine, values[counts > 1])]] = True
    return shared


def _singles(planner: _Planner, columns: Columns, rows: Any) -> list[Single]:
    """Rows for the row planner, their own keys where the planner finds them."""
    found: list[Single] = []
    keys = planner.feed_keys
    for row in rows.tolist():
        key = columns.triple(row)
        keys[key] = columns.key(row)
        found.append((int(columns.first[row]), int(columns.lines[row]), key))
    return found


def _plan_good(
    planner: _Planner,
    columns: Columns,
    rows: Any,
    stored: Ints,
    accounts: list[Ref | None],
    resolved: list[tuple[Ref | None, str, str, int | None]],
    pair_of: Ints,
) -> list[Single]:
    """Rows with nothing to report: unchanged when stored plain, created when not stored."""
    keys, positions = planner.stored.sorted_keys()
    wanted = stored[rows]
    position = np.full(len(rows), -1, dtype=np.int64)
    if len(keys):
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found = (wanted >= 0) & (keys[at] == wanted)
        position[found] = positions[at[found]]
    hit = position >= 0
    details = np.fromiter(planner.stored.details, dtype=np.int64, count=len(planner.stored.details))
    detailed = hit & np.isin(position, details)
    seen = np.frombuffer(planner.seen, dtype=np.uint8)
    plain = position[hit & ~detailed]
    seen[plain] = 1
    planner.unchanged += len(plain)
    creates = planner.changes.creates
    for row in rows[~hit].tolist():
        pair = resolved[pair_of[row]]
        account = accounts[columns.person[row]]
        creates.append((account, pair[0], pair[1], None, None, None, "sync", columns.key(row)))
    return _singles(planner, columns, rows[detailed])


# A person's fact from the columns: (line first met, person, role, place, school); "" for none.
Event = tuple[int, str, str, str, str]


def fact_events(ctx: Any, columns: Columns) -> list[Event]:
    """What the columns add to persons' facts, once per person and role, place or school."""
    persons, groups, roles = columns.persons.values, columns.groups.values, columns.roles.values
    events: list[Event] = []
    code = columns.person * len(roles) + columns.role
    for pair, line in zip(*_first_lines(code, columns.first), strict=True):
        events.append((line, persons[pair // len(roles)], roles[pair % len(roles)], "", ""))
    place = np.array([ctx.is_placement(g) for g in groups] + [False], dtype=bool)[columns.group]
    code = columns.person * len(groups) + columns.group
    for pair, line in zip(*_first_lines(code[place], columns.first[place]), strict=True):
        events.append((line, persons[pair // len(groups)], "", groups[pair % len(groups)], ""))
    schools = _Numbers()
    school_of = [schools[ctx.group_school(g)] for g in groups]
    names = list(schools)
    school = np.array([*school_of, 0], dtype=np.int64)[columns.group]
    named = np.array([bool(n) for n in names], dtype=bool)[school]
    code = columns.person * len(names) + school
    for pair, line in zip(*_first_lines(code[named], columns.first[named]), strict=True):
        events.append((line, persons[pair // len(names)], "", "", names[pair % len(names)]))
    return events


def _first_lines(codes: Ints, lines: Ints) -> tuple[list[int], list[int]]:
    """Each distinct code and the first line it is met on."""
    if not len(codes):
        return [], []
    order = np.lexsort((lines, codes))
    codes, lines = codes[order], lines[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return codes[starts].tolist(), lines[starts].tolist()
