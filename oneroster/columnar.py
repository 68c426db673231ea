"""Read a large enrollments.csv column-wise: pyarrow parses it in blocks, judged column by column.

The rows with nothing to report and nothing but a membership to say (no status, no
dates, no primary flag) become one ``MembershipBatch``, their keys dictionary-encoded,
with no Python object per row. Every other row goes back, with its cells as parsed and
its line, to the row path (``Table.records``), which reads it as it reads any row: so
both paths give the same records and issues. A file whose lines and rows part ways (a
quoted line break, a blank line, a row of another width, a CR-only line end, a line
over the cap, bytes that are not UTF-8) or a delta file goes to the row path whole.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from mapping.records import MembershipBatch
from oneroster.columns import ROLE_WORDS
from oneroster.rows import Table
from oneroster.state import State

# A cell the row path would strip or report: anything but printable ASCII, or an edge space.
_UNUSUAL = r"[^\x20-\x7e]|^ | $"
_FOLDED_ROLES = {w.casefold() for w in ROLE_WORDS}
# malloc's pool hands freed memory back; arrow's default one keeps it for the next file.
POOL = pa.system_memory_pool()
Rows = list[tuple[int, list[str]]]  # (line, cells) of the rows left to the row path
# The bytes pyarrow parses at a time: what the read holds beyond the file and its batch.
BLOCK_BYTES = 4 * 1024 * 1024  # 16 MiB held 40 MB more at the peak, and was no faster
_KEYED = ("userSourcedId", "classSourcedId", "role")


def split(data: bytes, table: Table, state: State) -> tuple[MembershipBatch | None, Rows | None]:
    """The file's plain rows as a batch and the rest as rows; (None, None): all by rows.

    ``data`` is the whole file, whose header ``table`` has read. pyarrow parses it a block
    at a time, and only each block's codes are kept: the peak is the file and one block.
    """
    start = data.find(b"\n") + 1
    if table.mode == "delta" or start == 0 or table.lines_read != 1:
        return None, None
    if data.find("\ufeff".encode(), start) >= 0:
        return None, None  # the row path drops a BOM inside a line before it parses it
    body = memoryview(data)[start:]
    physical = _physical_lines(body, table.limit)
    if physical is None:
        return None, None
    batch, rest, line = _Batch(table.file), [], 2
    try:
        for block in _blocks(body, table):
            cells = {name: block.column(at) for name, at in table.header.index.items()}
            bad = _unusual(cells) | _not_plain(cells) | _unknown(cells, state)
            lines = np.arange(line, line + block.num_rows, dtype=np.int64)
            batch.add(cells, ~bad, lines)
            rest += _rows(block, np.flatnonzero(bad), lines)
            line += block.num_rows
    except _Broken:
        return None, None
    # Every row is one line when there are as many rows as lines (a row takes one or more).
    if line - 2 != physical:
        return None, None
    return batch.done(), rest


class _Broken(Exception):
    """A row that breaks the one-line-one-row shape, or bytes pyarrow cannot read."""


def _physical_lines(body: memoryview, limit: int) -> int | None:
    """The lines, when each ends in LF or CRLF and none is over the cap; else None.

    Read in slices, so the scratch arrays stay small however large the file is.
    """
    raw = np.frombuffer(body, dtype=np.uint8)
    lines, at, step = 0, 0, max(BLOCK_BYTES, limit)
    while at < len(raw):
        cut = _cut(raw, at, step)
        part = raw[at:cut]
        ends = np.flatnonzero(part == 10)
        returns = np.flatnonzero(part == 13)
        if len(returns) and not np.isin(returns + 1, ends).all():
            return None
        lengths = np.diff(ends, prepend=-1)
        tail = len(part) - 1 - (ends[-1] if len(ends) else -1)
        if int(max(lengths.max(initial=0), tail)) > limit // 4:
            return None
        lines += len(ends) + (part[-1] != 10)
        at = cut
    return lines


def _cut(raw: np.ndarray[Any, np.dtype[np.uint8]], at: int, step: int) -> int:
    """Where a slice from ``at`` ends: after its last LF within ``step`` bytes, if it has one.

    A slice without one holds a line over the cap (``step`` is at least the cap).
    """
    if at + step >= len(raw):
        return len(raw)
    found = np.flatnonzero(raw[at : at + step] == 10)
    return at + int(found[-1]) + 1 if len(found) else at + step


def _blocks(body: memoryview, table: Table) -> Iterator[pa.Table]:
    """The rows as string columns, a block at a time; _Broken when a row is not one line."""
    names = [str(at) for at in range(table.header.width)]
    broken: list[Any] = []

    def skip(row: Any) -> str:
        broken.append(row)
        return "skip"

    try:
        reader = pv.open_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pv.ReadOptions(
                column_names=names, block_size=BLOCK_BYTES, use_threads=False
            ),
            parse_options=pv.ParseOptions(
                delimiter=table.delimiter, newlines_in_values=True, invalid_row_handler=skip
            ),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
            memory_pool=POOL,
        )
        for part in reader:
            if broken:
                raise _Broken
            yield pa.Table.from_batches([part])
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise _Broken from error
    if broken:
        raise _Broken


def _column(cells: dict[str, Any], name: str) -> Any:
    """A column as one arrow array; a column the header lacks reads as empty."""
    return cells[name].combine_chunks() if name in cells else None


def _mask(array: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """An arrow boolean array as a numpy one."""
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def _unusual(cells: dict[str, Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows with a cell the row path would strip, escape or report."""
    rows = len(next(iter(cells.values())))
    bad = np.zeros(rows, dtype=bool)
    for column in cells.values():
        bad |= _mask(pc.match_substring_regex(column.combine_chunks(), _UNUSUAL))
    return bad


def _not_plain(cells: dict[str, Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows missing a key, user, class or role, or with a status, date or primary flag."""
    rows = len(next(iter(cells.values())))
    bad = np.zeros(rows, dtype=bool)
    for name in ("sourcedId", "classSourcedId", "userSourcedId", "role"):
        column = _column(cells, name)
        bad |= True if column is None else _mask(pc.equal(column, ""))
    for name in ("status", "dateLastModified", "primary", "beginDate", "endDate"):
        column = _column(cells, name)
        if column is not None:
            bad |= _mask(pc.not_equal(column, ""))
    return bad


def _unknown(cells: dict[str, Any], state: State) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows naming a user, class or school the package lacks, or a role the row path reports."""
    rows = len(next(iter(cells.values())))
    bad = np.zeros(rows, dtype=bool)
    checks: list[tuple[str, Callable[[str], bool]]] = [
        ("userSourcedId", _known(state, "users")),
        ("classSourcedId", _known(state, "classes")),
        ("schoolSourcedId", lambda s: not s or _known(state, "orgs")(s)),
        ("role", _plain_role),
    ]
    for name, good in checks:
        column = _column(cells, name)
        if column is None:
            continue
        encoded = pc.dictionary_encode(column)
        fine = np.array([*(good(v) for v in encoded.dictionary.to_pylist()), True], dtype=bool)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        bad |= ~fine[codes]
    return bad


def _known(state: State, name: str) -> Callable[[str], bool]:
    """Whether file ``name`` has a key (any, if it is not read)."""
    keys = state.keys.get(name) if name in state.modes else None
    return lambda key: keys is None or key in keys


def _plain_role(word: str) -> bool:
    """A role the row path reads without a word: not a spec role in another case."""
    return word in ROLE_WORDS or word.casefold() not in _FOLDED_ROLES


class _Batch:
    """The good rows of every block, their keys coded against dictionaries the blocks share."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.codes: dict[str, dict[str, int]] = {n: {} for n in _KEYED}
        self.columns: dict[str, array[int]] = {n: array("i") for n in _KEYED}
        self.lines: array[int] = array("q")
        self.keys = bytearray()
        self.key_ends: array[int] = array("q", [0])

    def add(
        self, cells: dict[str, Any], good: np.ndarray[Any, np.dtype[np.bool_]], lines: Any
    ) -> None:
        """A block's good rows."""
        if not good.any():
            return
        where = pa.array(good)
        for name in _KEYED:
            found = pc.dictionary_encode(pc.filter(_column(cells, name), where))
            codes = self.codes[name]
            shared = np.array(
                [codes.setdefault(v, len(codes)) for v in found.dictionary.to_pylist()] or [0],
                dtype=np.intc,
            )
            self.columns[name].frombytes(
                shared[found.indices.to_numpy(zero_copy_only=False)].tobytes()
            )
        self.lines.frombytes(lines[good].astype(np.int64).tobytes())
        keys = pc.filter(_column(cells, "sourcedId"), where).cast(pa.large_string())
        _, ends, text = keys.buffers()
        offsets = np.frombuffer(ends, dtype=np.int64)[keys.offset : keys.offset + len(keys) + 1]
        first, base = int(offsets[0]), len(self.keys)
        if text is not None:
            self.keys += memoryview(text)[first : int(offsets[-1])]
        self.key_ends.frombytes((offsets[1:] - first + base).astype(np.int64).tobytes())

    def done(self) -> MembershipBatch | None:
        """The batch record (None when no row was good)."""
        if not self.lines:
            return None
        person, group, role = (self.columns[n] for n in _KEYED)
        persons, groups, roles = (list(self.codes[n]) for n in _KEYED)
        return MembershipBatch(
            persons,
            groups,
            roles,
            person,
            group,
            role,
            self.lines,
            bytes(self.keys),
            self.key_ends,
            file=self.file,
        )


def _rows(parsed: pa.Table, rest: Any, lines: Any) -> Rows:
    """The rows at positions ``rest`` as (line, cells) for the row path."""
    if not len(rest):
        return []
    taken = parsed.take(pa.array(rest))
    columns = [taken.column(at).to_pylist() for at in range(taken.num_columns)]
    return [
        (int(line), list(row))
        for line, row in zip(lines[rest], zip(*columns, strict=True), strict=True)
    ]
