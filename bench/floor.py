"""The floor: the least any import of a feed can cost on this machine and database.

Read the same file with the standard ``csv`` module (CSV, OneRoster) or lxml
``iterparse`` with elements cleared (IMS, through the hardened parser of
``ims.xml``, the codebase's only one), and bulk-insert every record into
bare tables (one per file or element kind, text columns) in one transaction:
``executemany`` on SQLite, ``COPY`` through psycopg 3 on PostgreSQL. No
validation, no mapping, no planning: what is left is parsing and writing.
Runs in a process of its own and imports nothing from the gateway.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

Rows = Iterable[Sequence[str]]
Chunk = tuple[str, Sequence[str], Rows]  # table, columns, rows
BATCH = 10_000  # IMS records per insert: several tables fill from one pass


def csv_chunks(path: Path) -> Iterator[Chunk]:
    """The gateway's CSV: one table of its rows."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        yield "people", next(reader), reader


def oneroster_chunks(path: Path) -> Iterator[Chunk]:
    """A OneRoster package: one table per data file (the manifest is no data)."""
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name == "manifest.csv":
                continue
            with package.open(name) as raw, io.TextIOWrapper(raw, "utf-8", newline="") as text:
                reader = csv.reader(text)
                yield name.removesuffix(".csv"), next(reader), reader


IMS_TABLES = {
    "persons": ("key", "given", "family", "email", "role"),
    "groups": ("key", "type", "name", "parent"),
    "members": ("group_key", "person", "roletype"),
    "links": ("student", "guardian"),
}


def _ims_records(element: Any) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(table, row) for one top-level element: a person and its guardians, a group, members."""
    name = element.tag.rpartition("}")[2]
    key = element.findtext("{*}sourcedid/{*}id") or ""
    if name == "person":
        role = element.find("{*}institutionrole")
        yield (
            "persons",
            (
                key,
                element.findtext("{*}name/{*}n/{*}given") or "",
                element.findtext("{*}name/{*}n/{*}family") or "",
                element.findtext("{*}email") or "",
                role.get("institutionroletype", "") if role is not None else "",
            ),
        )
        for contact in element.iterfind("{*}extension/{*}pifu_hasContactPerson"):
            yield "links", (key, contact.findtext("{*}sourcedid/{*}id") or "")
    elif name == "group":
        yield (
            "groups",
            (
                key,
                element.findtext("{*}grouptype/{*}typevalue") or "",
                element.findtext("{*}description/{*}short") or "",
                element.findtext("{*}relationship/{*}sourcedid/{*}id") or "",
            ),
        )
    else:
        for member in element.iterfind("{*}member"):
            role = member.find("{*}role")
            roletype = role.get("roletype", "") if role is not None else ""
            yield "members", (key, member.findtext("{*}sourcedid/{*}id") or "", roletype)


def ims_chunks(path: Path) -> Iterator[Chunk]:
    """An IMS document in one pass: batches of persons, groups, members and links."""
    # The codebase's one hardened lxml iterparse (tests/ims/test_xml.py holds everyone to
    # it); imported here, so the CSV floors need not load it.
    from ims import xml

    batches: dict[str, list[tuple[str, ...]]] = {t: [] for t in IMS_TABLES}
    tags = ("{*}person", "{*}group", "{*}membership")
    with path.open("rb") as stream:
        for event, element in xml.Parse(xml.Source(stream, path.name), tags):
            if event != "end":
                continue
            for table, row in _ims_records(element):
                batches[table].append(row)
                if len(batches[table]) >= BATCH:
                    yield table, IMS_TABLES[table], batches[table]
                    batches[table] = []
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    for table, rows in batches.items():
        yield table, IMS_TABLES[table], rows


READERS: dict[str, Callable[[Path], Iterator[Chunk]]] = {
    "csv": csv_chunks,
    "oneroster": oneroster_chunks,
    "ims": ims_chunks,
}


class Sink(Protocol):
    """Bare tables in one transaction."""

    def insert(self, table: str, columns: Sequence[str], rows: Rows) -> int:
        """Insert rows (creating the table the first time); return how many."""
        ...

    def commit(self) -> None:
        """Commit the one transaction and close."""
        ...


def _counted(rows: Rows, tally: list[int]) -> Iterator[Sequence[str]]:
    """Pass rows on, counting them into ``tally[0]``."""
    for row in rows:
        tally[0] += 1
        yield row


class SqliteSink:
    """``executemany`` into a SQLite file with the store's pragmas (WAL, synchronous=NORMAL)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("BEGIN")
        self.tables: set[str] = set()

    def insert(self, table: str, columns: Sequence[str], rows: Rows) -> int:
        if table not in self.tables:
            self.tables.add(table)
            self.db.execute(
                f'CREATE TABLE "{table}" ({", ".join(f"c{i} TEXT" for i in range(len(columns)))})'
            )
        tally = [0]
        marks = ", ".join("?" * len(columns))
        self.db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', _counted(rows, tally))
        return tally[0]

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


class PostgresSink:
    """``COPY … FROM STDIN`` through psycopg 3."""

    def __init__(self, conninfo: str) -> None:
        import psycopg  # imported here: SQLite floors need not load it

        self.db = psycopg.connect(conninfo)
        self.cursor = self.db.cursor()
        self.tables: set[str] = set()

    def insert(self, table: str, columns: Sequence[str], rows: Rows) -> int:
        if table not in self.tables:
            self.tables.add(table)
            self.cursor.execute(
                f'CREATE TABLE "{table}" ({", ".join(f"c{i} text" for i in range(len(columns)))})'
            )
        count = 0
        with self.cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def commit(self) -> None:
        self.db.commit()
        self.db.close()


def sink_for(url: str) -> Sink:
    """The sink for a database URL: ``sqlite:///path`` or a PostgreSQL URL."""
    if url.startswith("sqlite:///"):
        return SqliteSink(url.removeprefix("sqlite:///"))
    return PostgresSink(url)


def run(fmt: str, path: Path, url: str) -> int:
    """Read a feed into bare tables in one transaction; return the rows inserted."""
    sink = sink_for(url)
    rows = sum(sink.insert(table, columns, chunk) for table, columns, chunk in READERS[fmt](path))
    sink.commit()
    return rows
