"""Suspend the removals of a full snapshot whose file for an entity came with damaged rows.

"The register's file was damaged" must never read as "these pupils left": when the reader
reported row-level errors for an entity the feed holds in full, the run expires and removes
nothing of that entity, nor the memberships and links of accounts (or groups) the damaged
feed did not deliver. A delta removes only what it names, so it is left alone. This runs
on the finished plan, whatever the planners decided, and before the thresholds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from gateway.sync.changes import Plan
from gateway.sync.desired import Desired
from gateway.sync.state import Snapshot
from mapping.records import RowIssue

# The hierarchy is one structure: a damaged classes.csv holds class nodes as well as groups.
SUSPENDS = {
    "accounts": ("accounts",),
    "nodes": ("nodes", "groups"),
    "groups": ("nodes", "groups"),
    "memberships": ("memberships",),
    "guardian_links": ("guardian_links",),
}
NOUNS = {
    "accounts": "account",
    "nodes": "node",
    "groups": "group",
    "memberships": "membership",
    "guardian_links": "guardian link",
}
DONE = {"expire": "expired", "inactivate": "made inactive", "remove": "removed"}
LINK_ACCOUNTS = {"memberships": ("account_id",), "guardian_links": ("guardian_id", "student_id")}


def suspend_damaged(plan: Plan, desired: Desired, snapshot: Snapshot) -> None:
    """Take out the removals a damaged full snapshot asked for, with one issue saying why."""
    causes: dict[str, Counter[str]] = defaultdict(Counter)
    for entity, files in _damage(desired).items():
        for suspended in SUSPENDS[entity]:
            causes[suspended].update(files)
    for entity, files in causes.items():
        _suspend(plan, entity, lambda _: True, _described(files), files)
    if "accounts" in causes:
        delivered = _delivered_accounts(desired, snapshot)
        why = _undelivered("accounts", causes["accounts"])
        for entity, columns in LINK_ACCOUNTS.items():
            if entity not in causes:
                _suspend(plan, entity, _names_other(columns, delivered), why, causes["accounts"])
    if "groups" in causes and "memberships" not in causes:
        groups = _delivered_groups(desired, snapshot)
        why = _undelivered("groups", causes["groups"])
        _suspend(plan, "memberships", _names_other(("group_id",), groups), why, causes["groups"])


def _damage(desired: Desired) -> dict[str, Counter[str]]:
    """Damaged rows (or elements) per file, for each entity the feed holds in full."""
    places: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for n, issue in enumerate(desired.issues):
        if issue.severity == "error" and issue.entity in desired.scopes:
            line = issue.line if issue.line is not None else -n  # no line: a place of its own
            places[issue.entity].add((issue.file, line))
    return {entity: Counter(file for file, _ in seen) for entity, seen in places.items()}


def _described(files: Counter[str]) -> str:
    """What was damaged: "users.csv had 3 damaged rows and roles.csv had 1 damaged row"."""
    return " and ".join(
        f"{file or 'the feed'} had {_count(n, 'damaged ' + _unit(file))}"
        for file, n in files.items()
    )


def _unit(file: str) -> str:
    """What a file is made of: rows in a CSV file, elements in an XML document."""
    return "row" if file.casefold().endswith(".csv") else "element"


def _undelivered(parents: str, files: Counter[str]) -> str:
    """Why rows that belong to parents the damaged feed left out stay."""
    return f"they belong to {parents} the feed did not deliver, and {_described(files)}"


def _count(n: int, noun: str) -> str:
    """``n`` and the noun, plural when it must be."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _suspend(
    plan: Plan,
    entity: str,
    suspends: Callable[[dict[str, Any]], bool],
    why: str,
    files: Counter[str],
) -> None:
    """Keep out of the plan the removals of ``entity`` that ``suspends`` picks, and say so."""
    changes = plan.changes[entity]
    kept = [r for r in changes.removals if suspends(r[3])]
    if not kept:
        return
    changes.removals = [r for r in changes.removals if not suspends(r[3])]
    message = (
        f"{_count(len(kept), NOUNS[entity])} would have been {DONE[kept[0][2]]}; "
        f"suspended, as {why}"
    )
    file = next(iter(files), "")
    plan.issues.append(RowIssue("warning", "removals_suspended", message, entity, file=file))


def _names_other(columns: tuple[str, ...], delivered: set[int]) -> Callable[[dict[str, Any]], bool]:
    """Whether a removed row points at a row the feed did not deliver."""
    return lambda before: any(before[c] not in delivered for c in columns)


def _delivered_accounts(desired: Desired, snapshot: Snapshot) -> set[int]:
    """The stored accounts the feed sent and did not delete."""
    stored = (
        snapshot.accounts.get(p.key) or snapshot.accounts.get(p.old_key)
        for p in desired.persons.values()
        if not p.deleted
    )
    return {account.id for account in stored if account is not None}


def _delivered_groups(desired: Desired, snapshot: Snapshot) -> set[int]:
    """The stored groups (class groups included) the feed sent and did not delete."""
    keys = [k for k, g in desired.groups.items() if not g.deleted]
    keys += [k for k, o in desired.orgs.items() if o.kind == "class" and not o.deleted]
    return {snapshot.groups[k].id for k in keys if k in snapshot.groups}
