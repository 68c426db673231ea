"""Kept plans as data: a versioned JSON document, compressed; never code.

A held run's plan may wait days for approval, across an upgrade, and a database row is
no place to execute from: so no pickle. Dates, tuples and datetimes are tagged
(``{"$date": "2026-08-15"}``) and come back as they went; the created rows of an entity
and the removals are stored column by column: a column of plain values costs no walk.
A plan of another format version is refused: its run must be imported again.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from gateway.errors import ConflictError
from gateway.sync.changes import Changes, Pending, Plan, Removal
from mapping.records import Person, RoleClaim, RowIssue

FORMAT = 1
STALE = "was made by another version of rostergate; import the feed again for a fresh plan"
# A pending person's password is never kept: only the run that creates its account hashes one.
PERSON_FIELDS = [f.name for f in fields(Person) if f.name != "password"]
PLAIN = frozenset({str, int, float, bool, type(None)})
TAGS: dict[str, Callable[[Any], Any]] = {
    "$tuple": tuple,
    "$date": date.fromisoformat,
    "$datetime": datetime.fromisoformat,
}


def dump(plan: Plan) -> bytes:
    """A plan as compressed JSON."""
    document = {
        "format": FORMAT,
        "source_id": plan.source_id,
        "revision": plan.revision,
        "changes": {entity: _changes(changes) for entity, changes in plan.changes.items()},
        "issues": [
            [i.severity, i.code, i.message, i.entity, i.key, i.line, i.file, i.skipped]
            for i in plan.issues
        ],
        "new_nodes": plan.new_nodes,
        "roles": dict(plan.roles),
        "held": _value(plan.held),
        "pending": {"keep": [_person(p) for p in plan.pending.keep], "drop": plan.pending.drop},
        "passwords": plan.passwords,  # argon2 hashes
        "welcome": plan.welcome,
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def load(data: bytes) -> Plan:
    """A stored plan; ConflictError when another version of rostergate stored it."""
    try:
        document = json.loads(zlib.decompress(data), object_hook=_untagged)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("another format")
        return Plan(
            document["source_id"],
            document["revision"],
            {entity: _unchanges(c) for entity, c in document["changes"].items()},
            [RowIssue(*issue) for issue in document["issues"]],
            document["new_nodes"],
            Counter(document["roles"]),
            document["held"],
            Pending(
                [_unperson(p) for p in document["pending"]["keep"]], document["pending"]["drop"]
            ),
            document.get("passwords", {}),  # plans kept before passwords came have none
            document.get("welcome", ""),
        )
    except (zlib.error, ValueError, TypeError, KeyError) as err:
        raise ConflictError(f"this plan {STALE}") from err


def _person(person: Person) -> list[Any]:
    """A pending person as JSON values, its role claims as [role, org] pairs."""
    values = [getattr(person, name) for name in PERSON_FIELDS]
    values[PERSON_FIELDS.index("roles")] = [[c.role, c.org] for c in person.roles]
    values[PERSON_FIELDS.index("orgs")] = list(person.orgs)
    return values


def _unperson(values: list[Any]) -> Person:
    """A pending person back from JSON values."""
    record = dict(zip(PERSON_FIELDS, values, strict=True))
    record["roles"] = tuple(RoleClaim(role, org) for role, org in record["roles"])
    record["orgs"] = tuple(record["orgs"])
    return Person(**record)


def _changes(changes: Changes) -> dict[str, Any]:
    """One entity's changes as JSON values."""
    return {
        "creates": [_column(column) for column in zip(*changes.creates, strict=True)],
        "updates": [
            [row_id, key, {name: [_value(old), _value(new)] for name, (old, new) in diff.items()}]
            for row_id, key, diff in changes.updates
        ],
        "removals": _removals(changes.removals),
        "unchanged": changes.unchanged,
        "skipped": changes.skipped,
    }


def _unchanges(stored: dict[str, Any]) -> Changes:
    """One entity's changes back from JSON values."""
    return Changes(
        list(zip(*stored["creates"], strict=True)),
        [
            (row_id, key, {name: (old, new) for name, (old, new) in diff.items()})
            for row_id, key, diff in stored["updates"]
        ],
        _unremovals(stored["removals"]),
        stored["unchanged"],
        stored["skipped"],
    )


def _removals(removals: list[Removal]) -> dict[str, Any]:
    """Removals column by column; the rows as they were when an entity's differ in shape."""
    if not removals:
        return {"rows": []}
    ids, keys, actions, befores = zip(*removals, strict=True)
    names = tuple(befores[0])
    if any(tuple(before) != names for before in befores):
        return {"rows": [_value(list(removal)) for removal in removals]}
    columns = [ids, keys, actions, *([before[n] for before in befores] for n in names)]
    return {"names": names, "columns": [_column(column) for column in columns]}


def _unremovals(stored: dict[str, Any]) -> list[Removal]:
    """Removals back from their columns (or rows)."""
    if "rows" in stored:
        return [tuple(removal) for removal in stored["rows"]]
    names = stored["names"]
    ids, keys, actions, *values = stored["columns"]
    rows = zip(*values, strict=True) if values else (() for _ in ids)  # befores with no fields
    befores = (dict(zip(names, row, strict=True)) for row in rows)
    return list(zip(ids, keys, actions, befores, strict=True))


def _column(values: Sequence[Any]) -> list[Any]:
    """One column of values: as it is when every value is plain JSON."""
    if set(map(type, values)) <= PLAIN:
        return list(values)
    return [_value(v) for v in values]


def _value(value: Any) -> Any:
    """Any value a plan holds, with what JSON cannot tell apart tagged."""
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind is tuple:
        return {"$tuple": [_value(v) for v in value]}
    if kind is list:
        return [_value(v) for v in value]
    if kind is date or kind is datetime:
        return {f"${kind.__name__}": value.isoformat()}
    if kind is dict and all(type(k) is str and not k.startswith("$") for k in value):
        return {k: _value(v) for k, v in value.items()}
    raise TypeError(f"a plan cannot keep {value!r}")


def _untagged(obj: dict[str, Any]) -> Any:
    """A tagged value back as itself; any other object as a dict."""
    if len(obj) == 1:
        ((tag, value),) = obj.items()
        decode = TAGS.get(tag)
        if decode is not None:
            return decode(value)
    return obj
