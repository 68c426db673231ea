"""Rows of users and roles → Persons, and ``agentSourcedIds`` → GuardianLinks.

- 1.1: ``role`` at each of ``orgSourcedIds`` → one RoleClaim per org; ``orgs`` as sent.
- 1.2: roles.csv is read before users.csv and held compactly per user; a user's
  claims are its live roles, primary first; ``orgs`` is ``primaryOrgSourcedId``
  followed by the roles' orgs. A deleted role row is left out of the claims, and so
  is one out of its beginDate–endDate when the user holds a role today.
- Names are ``givenName``/``familyName``: the legal names registers want on
  accounts. Preferred names are recognised but not used.
- ``username`` and ``email`` are None when the column is missing, "" when empty.
  ``enabledUser=false`` → ``enabled=False`` (locked, not removed).
- An agent pair becomes a link when one side holds a guardian, parent or relative
  role and the other a student role; the guardian side is the guardian, whichever
  row named the other. Pairs are deduplicated across both directions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mapping.records import GuardianLink, Person, Record, RoleClaim, RowIssue
from oneroster.columns import ROLE_TYPES
from oneroster.entities import role_word
from oneroster.rows import Row, Table
from oneroster.state import GUARDIAN, STUDENT, Agent, Claim, State, role_flags

LINKS = "guardian_links"


def role(state: State, row: Row) -> Iterator[Record]:
    """A roles.csv row: held for its user, who streams by later."""
    kind = row.choice("roleType", ROLE_TYPES)
    if kind is None:
        row.issue(
            "warning",
            "invalid_value",
            f"roleType {row.text('roleType')!r} is not primary or secondary; read as secondary",
        )
    org = row.text("orgSourcedId")
    state.check(row, "orgs", org, "org")
    current = state.current(row.date("beginDate"), row.date("endDate"))
    word, primary = role_word(row, "role"), kind == "primary"
    claim = Claim(word, org, primary, row.line, row.key, row.deleted, current)
    state.claims.setdefault(row.text("userSourcedId"), []).append(claim)
    yield from ()


def _claims_11(state: State, row: Row) -> tuple[tuple[RoleClaim, ...], tuple[str, ...]]:
    """1.1: the user's one role at each of its orgs."""
    word, orgs = role_word(row, "role"), row.items("orgSourcedIds")
    for org in orgs:
        state.check(row, "orgs", org, "org")
    return roles_11(word, orgs), orgs


def roles_11(word: str, orgs: tuple[str, ...]) -> tuple[RoleClaim, ...]:
    """1.1: the claims of one role word at each of the user's orgs (or at none)."""
    return tuple(RoleClaim(word, org) for org in orgs) or (RoleClaim(word),)


def live_roles(held: Iterable[Claim]) -> list[Claim]:
    """The live roles of a user's roles.csv rows, primary first.

    A role whose dates do not hold it today is left out when the user holds another
    that they do; a user whose every role is out of its dates keeps them all, since
    registers often leave last year's dates standing.
    """
    live = [c for c in held if not c.deleted]
    current = [c for c in live if c.current]
    live = current or live
    live.sort(key=lambda c: not c.primary)
    return live


def _report_dates(state: State, row: Row, held: list[Claim]) -> None:
    """Count the user's roles that are out of their dates, and what became of them."""
    live = [c for c in held if not c.deleted]
    stale = [c for c in live if not c.current]
    if not stale:
        return
    code = "stale_role_dates" if len(stale) == len(live) else "role_not_current"
    example = f"{stale[0].role} at {stale[0].org!r} on {state.today}"
    row.table.tally(code, "", row.line, row.key, example)


def roles_12(live: list[Claim], primary: str) -> tuple[tuple[RoleClaim, ...], tuple[str, ...]]:
    """1.2: the claims of a user's live roles, and its orgs (the primary org first)."""
    orgs = tuple(o for o in dict.fromkeys([primary, *(c.org for c in live)]) if o)
    return tuple(dict.fromkeys(RoleClaim(c.role, c.org) for c in live)), orgs


def _claims_12(state: State, row: Row) -> tuple[tuple[RoleClaim, ...], tuple[str, ...]]:
    """1.2: the user's live roles from roles.csv, primary first."""
    held = state.claims.pop(row.key, [])
    _report_dates(state, row, held)
    live = live_roles(held)
    if state.modes.get("roles") == "bulk":
        primaries = sum(c.primary for c in live)
        if not live:
            row.issue("warning", "no_roles", "the user has no role in roles.csv")
        elif primaries != 1:
            row.issue(
                "warning",
                "primary_role",
                f"the user has {primaries} primary roles in roles.csv; one is expected",
            )
    primary = row.text("primaryOrgSourcedId")
    state.check(row, "orgs", primary, "primary org")
    return roles_12(live, primary)


def user(state: State, row: Row) -> Iterator[Record]:
    """A users.csv row → a Person; its agents wait for the end of the file."""
    claims, orgs = (_claims_11 if state.version == "1.1" else _claims_12)(state, row)
    flags = role_flags([c.role for c in claims])
    if flags:
        state.flags[row.key] = flags
    state.keep("users", row.key)
    for agent in row.items("agentSourcedIds"):
        state.agents.append(Agent(row.key, agent, row.line, row.deleted))
    yield Person(
        row.key,
        row.text("givenName"),
        row.text("familyName"),
        row.get("username"),
        row.get("email"),
        claims,
        orgs,
        enabled=row.flag("enabledUser") is not False,
        deleted=row.deleted,
        line=row.line,
        file=row.table.file,
        password=row.get("password") or None,
    )


def _pair(state: State, table: Table, agent: Agent) -> tuple[str, str] | None:
    """The (guardian, student) an agent item stands for, or None with the reason."""
    found = state.find("users", agent.agent)
    if found == "missing":
        table.issue(
            "error",
            "unresolved_reference",
            f"agent {agent.agent!r} is not in users.csv; no guardian link",
            agent.line,
            agent.user,
            LINKS,
        )
        return None
    mine = state.flags.get(agent.user, 0)
    theirs = state.flags.get(agent.agent, 0)
    if found == "maybe":
        table.issue(
            "warning",
            "unresolved_reference",
            f"agent {agent.agent!r} is not in users.csv; it may be in the store already",
            agent.line,
            agent.user,
            LINKS,
        )
        theirs = (GUARDIAN | STUDENT) ^ mine  # assume the other half of the pair
    if theirs & GUARDIAN and mine & STUDENT:
        return agent.agent, agent.user
    if mine & GUARDIAN and theirs & STUDENT:
        return agent.user, agent.agent
    table.issue(
        "info",
        "agent_ignored",
        f"agent {agent.agent!r}: no guardian link, as one of "
        "the two must be a guardian, parent or relative and the other a student",
        agent.line,
        agent.user,
        LINKS,
    )
    return None


def finish_users(state: State, table: Table) -> Iterator[Record | RowIssue]:
    """Links from the agents of the whole file, each pair once; then roles of unknown users."""
    linked: set[tuple[str, str]] = set()
    for agent in state.agents:
        pair = _pair(state, table, agent)
        if pair is not None and pair not in linked:
            linked.add(pair)
            yield GuardianLink(*pair, agent.deleted, line=agent.line, file=table.file)
    state.agents.clear()
    yield from unclaimed(state)


def unclaimed(state: State) -> Iterator[RowIssue]:
    """An error for each held role whose user never came: a role travels on its Person."""
    file = state.members.get("roles", "roles.csv")
    if "users" not in state.modes and state.claims:
        count = sum(len(claims) for claims in state.claims.values())
        yield RowIssue(
            "error",
            "unresolved_reference",
            f"users.csv was not read, so {count} role(s) were not applied",
            "accounts",
            "",
            None,
            file,
        )
        state.claims.clear()
    for user, claims in state.claims.items():
        for claim in claims:
            yield RowIssue(
                "error",
                "unresolved_reference",
                f"user {user!r} is not in users.csv; role not applied",
                "accounts",
                claim.key,
                claim.line,
                file,
            )
    state.claims.clear()
