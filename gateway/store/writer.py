"""Apply a plan: bulk statements in the caller's transaction, every change logged.

The writer decides nothing. It resolves references (an ``int`` is a stored id,
a ``str`` the key of a row created earlier in the same plan), writes rows in
dependency order, and logs every create (its new values), update and removal
(before and after). Nothing is deleted: removed memberships, guardian links and
placements are marked ``removed``, as accounts are expired and nodes and groups
inactivated.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from gateway.errors import ConflictError
from gateway.store import access, bulk, changelog, presets
from gateway.store import models as m
from gateway.sync.changes import Plan, Ref
from mapping.records import ENTITIES
from mapping.settings import SETTING_KEYS
from mapping.usernames import username_key

TABLES: Mapping[str, Table] = m.Base.metadata.tables
# Plan field → (column, entity its references point at, or None for plain values).
FIELDS: dict[str, dict[str, tuple[str, str | None]]] = {
    "nodes": {"name": ("name", None), "kind": ("kind", None), "parent": ("parent_id", "nodes"),
              "status": ("status", None)},
    "groups": {"name": ("name", None), "kind": ("kind", None), "node": ("node_id", "nodes"),
               "school": ("school_id", "nodes"), "course": ("course_id", "groups"),
               "subjects": ("subjects", None), "begin": ("begin_date", None),
               "end": ("end_date", None), "status": ("status", None)},
    "accounts": {"given_name": ("given_name", None), "family_name": ("family_name", None),
                 "email": ("email", None), "profile": ("profile_id", "profiles"),
                 "status": ("status", None), "sync_key": ("sync_key", None)},
    "memberships": {"begin": ("begin_date", None), "end": ("end_date", None),
                    "primary": ("is_primary", None), "origin": ("origin", None),
                    "status": ("status", None)},
    "guardian_links": {"status": ("status", None)},
}  # fmt: skip
REMOVAL_STATUS = {"expire": "expired", "inactivate": "inactive", "remove": "removed"}
# Rows that point at others go first.
REMOVAL_ORDER = ("guardian_links", "memberships", "accounts", "groups", "nodes")
# The tables each entity's creates land in, and how many created rows in a run make the
# planner's statistics stale enough to refresh them (see ``refresh_statistics``).
CREATED_TABLES = {"nodes": ("nodes",), "groups": ("groups",),
                  "accounts": ("accounts", "placements"), "memberships": ("memberships",),
                  "guardian_links": ("guardian_links",)}  # fmt: skip
STALE_AFTER = 1_000


class Writer:
    """Writes one plan for one run."""

    def __init__(
        self, session: Session, plan: Plan, run_id: int, now: datetime, origin: str = "sync"
    ) -> None:
        self.conn: Connection = session.connection()
        self.origin = origin
        self.plan = plan
        self.run_id = run_id
        self.now = now
        self.ids: dict[str, dict[Any, int]] = defaultdict(dict)
        self.log: list[tuple[Any, ...]] = []
        profiles = self.conn.execute(select(m.Profile.name, m.Profile.id))
        self.ids["profiles"] = {name: profile_id for name, profile_id in profiles}

    def resolve(self, entity: str, ref: Ref | None) -> int | None:
        """Turn a plan reference into a row id."""
        if ref is None or isinstance(ref, int):
            return ref
        return self.ids[entity][ref]

    def apply(self) -> None:
        """Write every entity in dependency order, then the change log."""
        bump_revision(self.conn, self.plan.revision)
        self.create_nodes()
        self.create_groups()
        self.create_accounts()
        access.after_create(
            self.conn, self.plan, self.ids["accounts"], self.run_id, self.now, self._log
        )
        self.create_memberships()
        self.create_links()
        for entity in ENTITIES:
            self.update(entity)
        for removed in REMOVAL_ORDER:
            self.remove(removed)
        self.flush_log()
        self.write_pending()
        self.refresh_statistics()

    def flush_log(self) -> None:
        """Insert the queued change-log rows, so the log's ids follow the order of the writes."""
        changelog.insert(self.conn, self.log)
        self.log.clear()

    def write_pending(self) -> None:
        """Store the persons kept pending (replacing their rows) and drop the others."""
        pending, table = self.plan.pending, TABLES["pending_persons"]
        gone = [*pending.drop, *(p.key for p in pending.keep)]
        for chunk in _chunks(gone, 500):
            mine = table.c.source_id == self.plan.source_id
            self.conn.execute(delete(table).where(mine, table.c.sync_key.in_(chunk)))
        rows = [
            {
                "source_id": self.plan.source_id,
                "sync_key": p.key,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "username": p.username,
                "email": p.email,
                "roles": [[claim.role, claim.org] for claim in p.roles],
                "orgs": list(p.orgs),
                "enabled": p.enabled,
                "created_run_id": self.run_id,
            }
            for p in pending.keep
        ]
        if rows:
            self.conn.execute(insert(table), rows)

    def refresh_statistics(self) -> None:
        """ANALYZE the PostgreSQL tables this run filled, so the next run's queries plan well.

        Right after a bulk load the planner still thinks the tables are empty and picks
        nested loops that take seconds; autovacuum catches up only later.
        """
        if self.conn.dialect.name != "postgresql":
            return
        changes = self.plan.changes
        created = [entity for entity in CREATED_TABLES if changes[entity].creates]
        if sum(len(changes[entity].creates) for entity in created) >= STALE_AFTER:
            tables = [table for entity in created for table in CREATED_TABLES[entity]]
            tables.append("changes")  # creates are logged: the log grows as fast as they do
            self.conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")

    def _insert_keyed(
        self, entity: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert rows whose first column is the sync key, and remember the ids they got."""
        if not rows:
            return
        table = TABLES[entity]
        with bulk.foreign_keys_checked_once(self.conn, table, len(rows)):
            bulk.insert(self.conn, table, ("sync_key", *columns), rows)
        keys = {row[0] for row in rows}
        self.ids[entity].update(bulk.ids_by_key(self.conn, table, self.plan.source_id, keys))

    def create_nodes(self) -> None:
        """Insert nodes level by level, so a parent's id is known before its children."""
        creates = self.plan.changes["nodes"].creates
        pending = list(creates)
        while pending:
            ready = [r for r in pending if not isinstance(r[3], str) or r[3] in self.ids["nodes"]]
            if not ready:
                raise ValueError("node parents form a cycle")
            pending = [
                r for r in pending if isinstance(r[3], str) and r[3] not in self.ids["nodes"]
            ]
            columns = ("source_id", "name", "kind", "parent_id", "status", "created_run_id")
            rows = [
                (
                    key,
                    self.plan.source_id,
                    name,
                    kind,
                    self.resolve("nodes", parent),
                    "active",
                    self.run_id,
                )
                for key, name, kind, parent in ready
            ]
            self._insert_keyed("nodes", columns, rows)
            ids = self.ids["nodes"]
            self._log_created("nodes", ((ids[r[0]], r[0], r[2:5]) for r in rows))
        self._start_school_settings([(k, name) for k, name, kind, _ in creates if kind == "school"])

    def _start_school_settings(self, schools: list[tuple[str, str]]) -> None:
        """New schools start from their preset or the site defaults, claiming the preset."""
        kept = presets.load(self.conn)
        rows = []
        for key, name in schools:
            node_id = self.ids["nodes"][key]
            rows.append((node_id, *dataclasses.astuple(kept.for_school(key, name))))
            found = kept.match(key, name)
            if found:
                presets.claim(self.conn, found[0], node_id)
        bulk.insert(self.conn, TABLES["school_settings"], ("node_id", *SETTING_KEYS), rows)

    def create_groups(self) -> None:
        """Insert groups; courses first, since subject groups point at them."""
        columns = (
            "source_id",
            "name",
            "kind",
            "node_id",
            "school_id",
            "course_id",
            "subjects",
            "begin_date",
            "end_date",
            "status",
            "created_run_id",
        )
        creates = self.plan.changes["groups"].creates
        for courses in (True, False):
            rows = [
                (
                    key,
                    self.plan.source_id,
                    name,
                    kind,
                    self.resolve("nodes", node),
                    self.resolve("nodes", school),
                    self.resolve("groups", course),
                    subjects,
                    begin,
                    end,
                    "active",
                    self.run_id,
                )
                for key, name, kind, node, school, course, subjects, begin, end in creates
                if (kind == "course") == courses
            ]
            self._insert_keyed("groups", columns, rows)
            ids = self.ids["groups"]
            self._log_created("groups", ((ids[r[0]], r[0], r[2:10]) for r in rows))

    def create_accounts(self) -> None:
        """Insert accounts, then their placements."""
        creates = self.plan.changes["accounts"].creates
        columns = (
            "source_id",
            "username",
            "username_key",
            "given_name",
            "family_name",
            "email",
            "profile_id",
            "status",
            "local_fields",
            "created_run_id",
        )
        profiles = self.ids["profiles"]
        rows = [
            (
                key,
                self.plan.source_id,
                username,
                username_key(username),
                given,
                family,
                email,
                profiles[profile],
                status,
                "",
                self.run_id,
            )
            for key, username, given, family, email, profile, status, _ in creates
        ]
        self._insert_keyed("accounts", columns, rows)
        accounts = self.ids["accounts"]
        placements = (
            (accounts[row[0]], self.resolve("nodes", node)) for row in creates for node in row[7]
        )
        table = TABLES["placements"]
        with bulk.foreign_keys_checked_once(self.conn, table, len(creates)):  # one or more each
            bulk.insert(self.conn, table, ("account_id", "node_id"), placements)
        logged = (
            (accounts[key], key, (*row, tuple(self.resolve("nodes", n) for n in nodes)))
            for key, *row, nodes in creates
        )
        self._log_created("accounts", logged)

    def create_memberships(self) -> None:
        """Insert memberships (origin sync, or manual when a revert puts one back)."""
        columns = (
            "account_id",
            "group_id",
            "role",
            "begin_date",
            "end_date",
            "is_primary",
            "origin",
            "sync_key",
            "created_run_id",
        )
        accounts, groups, run_id = self.ids["accounts"], self.ids["groups"], self.run_id
        creates = self.plan.changes["memberships"].creates
        table = TABLES["memberships"]
        after = self._last_id(table)
        rows = (
            (
                account if isinstance(account, int) else accounts[account],
                group if isinstance(group, int) else groups[group],
                role,
                begin,
                end,
                primary,
                origin,
                sync_key,
                run_id,
            )
            for account, group, role, begin, end, primary, origin, sync_key in creates
        )
        with bulk.foreign_keys_checked_once(self.conn, table, len(creates)):
            bulk.insert(self.conn, table, columns, rows)
        self._log_inserted("memberships", after, len(creates))

    def create_links(self) -> None:
        """Insert guardian links."""
        creates = self.plan.changes["guardian_links"].creates
        rows = (
            (
                self.resolve("accounts", guardian),
                self.resolve("accounts", student),
                self.plan.source_id,
                self.run_id,
            )
            for guardian, student in creates
        )
        columns = ("guardian_id", "student_id", "source_id", "created_run_id")
        table = TABLES["guardian_links"]
        after = self._last_id(table)
        with bulk.foreign_keys_checked_once(self.conn, table, len(creates)):
            bulk.insert(self.conn, table, columns, rows)
        self._log_inserted("guardian_links", after, len(creates))

    def _last_id(self, table: Table) -> int:
        """The highest id in a table: rows inserted from here on have higher ones."""
        return int(self.conn.scalar(select(func.max(table.c.id))) or 0)

    def _log_inserted(self, entity: str, after: int, count: int) -> None:
        """Log the rows of a table without sync keys this run inserted past id ``after``."""
        if count:
            self.flush_log()  # the log's ids follow the order of the writes
            changelog.insert_created(self.conn, entity, self.run_id, self.origin, after, count)

    def _log_created(self, entity: str, rows: Iterable[tuple[int, str, Sequence[Any]]]) -> None:
        """Queue a log row per created row: (id, key, values in CREATE_COLUMNS order)."""
        self.log.extend(changelog.created(entity, self.run_id, self.origin, rows))

    def update(self, entity: str) -> None:
        """Apply field updates, grouped so each set of fields is one executemany."""
        batches: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row_id, key, diff in self.plan.changes[entity].updates:
            values = {f: self._value(entity, f, new) for f, (_, new) in diff.items()}
            before = {f: self._value(entity, f, old) for f, (old, _) in diff.items()}
            self._log(entity, row_id, key, "update", before, values)
            if "nodes" in values:
                self.place(row_id, values.pop("nodes"))
            columns = {FIELDS[entity][f][0]: self._column(f, v) for f, v in values.items()}
            if "status" in columns:
                columns.update(self._status_columns(entity, columns["status"]))
            if columns:
                batches[tuple(sorted(columns))].append({"_id": row_id, **columns})
        table = TABLES[entity]
        for names, rows in batches.items():
            stmt = update(table).where(table.c.id == bindparam("_id"))
            stmt = stmt.values({n: bindparam(n) for n in names})
            self.conn.execute(stmt, rows)

    def _status_columns(self, entity: str, status: str) -> dict[str, Any]:
        """What goes with a status an update sets: when and by which run a row was removed."""
        if entity == "accounts":
            return {"expired_at": None}  # an update only ever makes an account active/locked
        if entity in ("memberships", "guardian_links", "placements"):
            removed = status == "removed"  # a revert may take a restored row away again
            return {"removed_at": self.now if removed else None,
                    "removed_run_id": self.run_id if removed else None}  # fmt: skip
        return {}

    def _value(self, entity: str, field: str, value: Any) -> Any:
        """A plan value as logged: references resolved to ids, profiles by name."""
        if field == "nodes":
            return tuple(self.resolve("nodes", ref) for ref in value)
        target = FIELDS.get(entity, {}).get(field, ("", None))[1]
        return self.resolve(target, value) if target and target != "profiles" else value

    def _column(self, field: str, value: Any) -> Any:
        """A logged value as its column holds it."""
        return self.ids["profiles"][value] if field == "profile" else value

    def place(self, account_id: int, nodes: Sequence[int]) -> None:
        """Move an account to these nodes: places it left are marked removed, not deleted,
        and a place it comes back to is active again."""
        table = TABLES["placements"]
        query = select(table.c.node_id, table.c.status).where(table.c.account_id == account_id)
        stored: dict[int, str] = {node: status for node, status in self.conn.execute(query)}
        left = [n for n, status in stored.items() if status == "active" and n not in nodes]
        back = [n for n in nodes if n in stored and stored[n] != "active"]
        for moved, status in ((left, "removed"), (back, "active")):
            if moved:
                values = {"status": status, **self._status_columns("placements", status)}
                where = (table.c.account_id == account_id, table.c.node_id.in_(moved))
                self.conn.execute(update(table).where(*where).values(values))
        new = [{"account_id": account_id, "node_id": n} for n in nodes if n not in stored]
        if new:
            self.conn.execute(insert(table), new)

    def remove(self, entity: str) -> None:
        """Expire, inactivate or mark removed (never delete), logging each row's before values."""
        removals = self.plan.changes[entity].removals
        table = TABLES[entity]
        for action, status in REMOVAL_STATUS.items():
            rows = [(i, k, before) for i, k, a, before in removals if a == action]
            for row_id, key, before in rows:
                self._log(entity, row_id, key, action, before, removal_after(action))
            values: dict[str, Any] = {"status": status}
            if action == "expire":
                values["expired_at"] = self.now
            elif action == "remove":
                values.update(removed_at=self.now, removed_run_id=self.run_id)
            ids = [row_id for row_id, _, _ in rows]
            for chunk in _chunks(ids, 500):
                self.conn.execute(update(table).where(table.c.id.in_(chunk)).values(values))

    def _log(
        self,
        entity: str,
        row_id: int,
        key: str,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Queue one change-log row."""
        encoded = (None if v is None else changelog.encode(jsonable(v)) for v in (before, after))
        self.log.append((self.run_id, entity, row_id, key, action, *encoded, self.origin))


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Split a list into slices of at most ``size``."""
    return (items[i : i + size] for i in range(0, len(items), size))


def jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Values as JSON can hold them: dates as ISO strings, tuples as lists."""
    if values is None:
        return None
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, date | datetime):
            value = value.isoformat()
        elif isinstance(value, tuple | frozenset | set):
            value = sorted(value)
        out[name] = value
    return out


def removal_after(action: str) -> dict[str, Any]:
    """What a removal leaves of a row: its new status."""
    return {"status": REMOVAL_STATUS[action]}


def bump_revision(conn: Connection, seen: int) -> int:
    """Move the store to its next revision, refusing if another write came first."""
    meta = TABLES["meta"]
    result = conn.execute(
        update(meta).where(meta.c.id == 1, meta.c.revision == seen).values(revision=seen + 1)
    )
    if result.rowcount != 1:
        raise ConflictError("the store changed since the plan was made")
    return seen + 1


def apply(session: Session, plan: Plan, run_id: int, now: datetime, origin: str = "sync") -> None:
    """Write a plan in the caller's transaction."""
    Writer(session, plan, run_id, now, origin).apply()
