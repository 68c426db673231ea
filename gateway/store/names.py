"""Change rows named for people: names, usernames, group names and hierarchy paths, not ids.

A change row (``runs.changes``) refers to other rows by store id, or, inside a plan, by
the sync key of a row the same plan creates. An admin reading a run needs the person,
the group and the place in the hierarchy; the ids stay in the row for machines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.store.queries import node_paths

Keyed = TypeVar("Keyed", m.Account, m.Node, m.Group)
# A field holding a reference, and the entity it points at.
REFS = {
    **dict.fromkeys(
        ("account_id", "account", "guardian_id", "guardian", "student_id", "student"), "accounts"
    ),
    **dict.fromkeys(("group_id", "group", "course_id", "course"), "groups"),
    **dict.fromkeys(
        ("node_id", "node", "nodes", "parent_id", "parent", "school_id", "school"), "nodes"
    ),
    "profile_id": "profiles",
}


def person(given: str, family: str, username: str) -> str:
    """How a person is named: their name and username."""
    full = f"{given} {family}".strip()
    return f"{full} ({username})" if full else username


class Names:
    """Names for the rows one run's changes refer to."""

    def __init__(self, session: Session, source_id: int | None, rows: list[dict[str, Any]]):
        self.paths = node_paths(session)
        self.profiles = dict(session.execute(select(m.Profile.id, m.Profile.name)).all())
        self.session, self.source_id = session, source_id
        self.created = {
            (r["entity"], r["key"]): r["after"] or {}
            for r in rows
            if r["action"] == "create" and r.get("planned")
        }
        self._accounts: dict[int, str] = {}
        self._by_key: dict[tuple[type, str], Any] = {}

    def prefetch(self, rows: Iterable[dict[str, Any]]) -> None:
        """Load the rows these change rows name, by id and by sync key, a few queries in all."""
        rows = list(rows)
        wanted: dict[str, set[int]] = {"accounts": set(), "groups": set()}
        for row in rows:
            for values in (row["before"] or {}, row["after"] or {}):
                for name, value in values.items():
                    if REFS.get(name) in wanted and isinstance(value, int):
                        wanted[REFS[name]].add(value)
        for ids in _chunks(sorted(wanted["accounts"])):
            for acc in self.session.scalars(select(m.Account).where(m.Account.id.in_(ids))):
                self._accounts[acc.id] = person(acc.given_name, acc.family_name, acc.username)
        for ids in _chunks(sorted(wanted["groups"])):  # kept in the session's identity map
            self.session.scalars(select(m.Group).where(m.Group.id.in_(ids))).all()
        self._load_keyed(m.Account, rows)  # the rows a change log names by sync key
        self._load_keyed(m.Node, rows)
        self._load_keyed(m.Group, rows)

    def _load_keyed(self, table: type[Keyed], rows: list[dict[str, Any]]) -> None:
        """Remember the source's rows of the keys these rows name (None for one it lacks)."""
        keys = sorted({r["key"] for r in rows if r["entity"] == table.__tablename__})
        self._by_key.update(dict.fromkeys(((table, key) for key in keys), None))
        for part in _chunks(keys):
            query = select(table).where(table.source_id == self.source_id, table.sync_key.in_(part))
            for row in self.session.scalars(query):
                self._by_key[table, str(row.sync_key)] = row

    def ref(self, entity: str, value: Any) -> str:
        """The name of a referenced row: an id in the store, or a key the plan creates."""
        if value is None or value == "":
            return ""
        if isinstance(value, list):
            return ", ".join(self.ref(entity, v) for v in value)
        if isinstance(value, int) and not isinstance(value, bool):
            return self._by_id(entity, value)
        return self.keyed(entity, str(value))

    def _by_id(self, entity: str, row_id: int) -> str:
        """A stored row's name by id."""
        if entity == "nodes":
            return self.paths.get(row_id, f"#{row_id}")
        if entity == "profiles":
            return str(self.profiles.get(row_id, f"#{row_id}"))
        if entity == "groups":
            group = self.session.get(m.Group, row_id)
            return self._group(group) if group else f"#{row_id}"
        if row_id not in self._accounts:
            acc = self.session.get(m.Account, row_id)
            self._accounts[row_id] = (
                person(acc.given_name, acc.family_name, acc.username) if acc else f"#{row_id}"
            )
        return self._accounts[row_id]

    def keyed(self, entity: str, key: str) -> str:
        """A row's name by its sync key: one this plan creates, else the source's stored row."""
        after = self.created.get((entity, key))
        if after is not None:
            if entity == "accounts":
                return person(after["given_name"], after["family_name"], after["username"])
            if entity == "nodes" and after.get("parent") not in (None, ""):
                return f"{self.ref('nodes', after['parent'])}/{after['name']}"
            if entity == "groups":
                place = self.ref("nodes", after.get("node") or after.get("school"))
                return f"{after['name']} ({place})" if place else str(after["name"])
            return str(after.get("name", key))
        if entity == "accounts":
            acc = self._keyed(m.Account, key)
            return person(acc.given_name, acc.family_name, acc.username) if acc else key
        if entity == "nodes":
            node = self._keyed(m.Node, key)
            return self.paths.get(node.id, node.name) if node else key
        group = self._keyed(m.Group, key) if entity == "groups" else None
        return self._group(group) if group else key

    def _group(self, group: m.Group) -> str:
        """A stored group: its name, and the path of the place it belongs to."""
        place = group.node_id or group.school_id
        path = self.paths.get(place) if place else None
        return f"{group.name} ({path})" if path else group.name

    def _keyed(self, table: type[Keyed], key: str) -> Keyed | None:
        """The run's source's stored row of that sync key."""
        if (table, key) not in self._by_key:
            query = select(table).where(table.sync_key == key, table.source_id == self.source_id)
            self._by_key[table, key] = self.session.scalars(query).first()
        found: Keyed | None = self._by_key[table, key]
        return found

    def subject(self, row: dict[str, Any]) -> str:
        """What one change row is about, in words."""
        entity, values = row["entity"], {**(row["before"] or {}), **(row["after"] or {})}
        if entity == "memberships":
            who = self.ref("accounts", values.get("account_id", values.get("account")))
            group = self.ref("groups", values.get("group_id", values.get("group")))
            if who and group:
                return f"{who} · {group} · {values.get('role', '')}".rstrip(" ·")
        if entity == "guardian_links":
            guardian = self.ref("accounts", values.get("guardian_id", values.get("guardian")))
            student = self.ref("accounts", values.get("student_id", values.get("student")))
            if guardian and student:
                return f"{guardian} → {student}"
        if entity in ("accounts", "groups", "nodes"):
            return self.keyed(entity, row["key"])
        return str(row["key"])

    def fields(self, row: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(field, before, after) for each field the row sets, references named."""
        before, after = row["before"] or {}, row["after"] or {}
        named = (
            (name, self.value(name, before.get(name)), self.value(name, after.get(name)))
            for name in dict.fromkeys([*before, *after])
        )
        return [
            (name.removesuffix("_id") if name in REFS else name, old, new)
            for name, old, new in named
            if old or new
        ]

    def value(self, name: str, value: Any) -> str:
        """One field's value as an admin reads it."""
        if name in REFS:
            return self.ref(REFS[name], value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "✓" if value else "✗"
        return str(value)


def _chunks(ids: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """Ids in slices a database's IN takes."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def named(
    session: Session, source_id: int | None, rows: list[dict[str, Any]], page: Iterable[int]
) -> list[dict[str, Any]]:
    """The rows at the given positions, each with its ``name`` and named ``fields`` added."""
    names, shown = Names(session, source_id, rows), list(page)
    names.prefetch(rows[i] for i in shown)
    return [
        {**rows[i], "name": names.subject(rows[i]), "fields": names.fields(rows[i])} for i in shown
    ]
