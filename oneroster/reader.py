"""Read a OneRoster CSV package: files in dependency order, records out as rows stream.

Scopes (bulk means the whole truth for an entity, see ``columns.SCOPE_FILES``)
come last, and only for files that were read to the end: a bulk users.csv that
lacks a required column declares nothing, rather than every account gone.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO

from mapping.records import FeedError, Record, RowIssue, Scope, Severity
from oneroster import columnar, entities, fast, manifest, people
from oneroster.columns import COMMON, IGNORED, READ, SCOPE_FILES, FileSpec, Mode, file_names
from oneroster.options import ReadOptions
from oneroster.package import Package, opened, zip_like
from oneroster.rows import FastRow, Row, Table
from oneroster.state import State

Builder = Callable[[State, Row], Iterator[Record]]
Fast = Callable[[Table, State], FastRow]
Finisher = Callable[[State, Table], Iterator[Record | RowIssue]]


def _nothing(state: State, table: Table) -> Iterator[Record | RowIssue]:
    yield from ()


# Per file: the careful row → records builder, the maker of its fast row function
# (the big files; see ``oneroster.fast``), and what runs once the file is read.
HANDLERS: dict[str, tuple[Builder, Fast, Finisher]] = {
    "orgs": (entities.org, fast.careful, entities.finish_orgs),
    "academicSessions": (entities.session, fast.careful, _nothing),
    "courses": (entities.course, fast.careful, _nothing),
    "classes": (entities.klass, fast.careful, _nothing),
    "roles": (people.role, fast.roles, _nothing),
    "users": (people.user, fast.users, people.finish_users),
    "enrollments": (entities.enrollment, fast.enrollments, _nothing),
}
# A file read column-wise is held whole (pyarrow parses it a block at a time, see
# ``columnar.BLOCK_BYTES``): past this it streams row by row, as every file below
# ``column_bytes`` does.
COLUMN_MAX_BYTES = 256 * 1024 * 1024
# Files recognised but not read, and what the report says about them.
_SENSITIVE = "demographics are sensitive data the gateway does not need, so it keeps none"
NOT_READ: dict[str, tuple[Severity, str, str]] = {
    "demographics": ("info", "demographics_ignored", f"{_SENSITIVE}; not read"),
    "userProfiles": ("info", "file_ignored", "per-application credentials are not kept; not read"),
}
NOT_NEEDED: tuple[Severity, str, str] = ("info", "file_ignored", "not needed for provisioning")


def read(path: Path, options: ReadOptions | None = None) -> Iterator[Record | RowIssue]:
    """Stream a package's records and issues, then the Scopes its bulk files declare."""
    options = options or ReadOptions()
    with opened(path, options) as package:
        plan = manifest.plan(package)
        yield from plan.issues
        state = State(plan.version, options.today or date.today())
        for spec in READ[plan.version]:
            if spec.name in plan.files:
                member, mode = plan.files[spec.name]
                yield from _read_file(package, spec, member, mode, state)
        yield from people.unclaimed(state)
        for name in IGNORED[plan.version]:
            if name in plan.files:
                severity, code, message = NOT_READ.get(name, NOT_NEEDED)
                member = plan.files[name][0]
                yield RowIssue(severity, code, message, "", "", None, member)
        for entity, files in SCOPE_FILES[plan.version].items():
            if all(state.modes.get(f) == "bulk" and f in state.done for f in files):
                yield Scope(entity)


def _read_file(
    package: Package, spec: FileSpec, member: str, mode: Mode, state: State
) -> Iterator[Record | RowIssue]:
    """One file: header issues, then each row's records and issues, then its summaries."""
    build, make_fast, finish = HANDLERS[spec.name]
    columns = spec.name == "enrollments"
    whole = columns and package.column_bytes <= package.size(member) <= COLUMN_MAX_BYTES
    data = package.read_bytes(member) if whole else b""
    with _text(package, member, data) as stream:
        table = Table(stream, member, spec, mode, package.max_line_bytes)
        yield from table.drain()
        if table.header.failed:
            return
        state.begin(spec.name, mode, member)
        batch, rest = columnar.split(data, table, state) if whole else (None, None)
        if batch is not None:
            yield batch
        yield from table.records(make_fast(table, state), functools.partial(build, state), rest)
        state.keys[spec.name].update(table.damaged)  # what names them is not left dangling
        yield from finish(state, table)
        yield from table.drain()
        yield from table.summaries()
    state.done.add(spec.name)


@contextmanager
def _text(package: Package, member: str, data: bytes) -> Iterator[IO[str]]:
    """A file as text: from ``data`` when it was read whole, else streamed from the package."""
    if not data:
        with package.open_text(member) as stream:
            yield stream
        return
    raw = io.BytesIO(data)
    with io.TextIOWrapper(raw, "utf-8", "surrogateescape", newline="") as stream:
        yield stream


def sniff(path: Path) -> bool:
    """Whether ``path`` is a zip or directory that looks like a OneRoster package.

    A manifest tells; without one (OneRoster 1.0 packages have none), a data file of
    the binding whose header starts with the spec's common columns does, or a users.csv
    with ``enabledUser`` (look-alikes such as School Data Sync v2 have neither).
    """
    try:
        if not (path.is_dir() or zip_like(path)):
            return False
        with opened(path, ReadOptions()) as package:
            names = {n.casefold(): n for n in package.names}
            if "manifest.csv" in names:
                return True
            return any(
                _keyed(package, names[f"{name.casefold()}.csv"])
                for name in file_names("1.2")
                if f"{name.casefold()}.csv" in names
            )
    except FeedError:
        return True  # a zip that is refused is still one we are the reader for
    except OSError:
        return False


def _keyed(package: Package, member: str) -> bool:
    """Whether a member's header has the columns of a OneRoster data file."""
    with package.open_text(member) as stream:
        line = stream.readline(4096).lstrip("\ufeff").replace(";", ",")
        columns = {c.strip() for c in line.split(",")}
    return set(COMMON) <= columns or "enabledUser" in columns
