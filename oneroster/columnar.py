"""Read a large enrollments.csv column-wise: pyarrow parses it, whole columns are judged at once.

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
from collections.abc import Callable
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


def split(data: bytes, table: Table, state: State) -> tuple[MembershipBatch | None, Rows | None]:
    """The file's plain rows as a batch and the rest as rows; (None, None): all by rows.

    ``data`` is the whole file, whose header ``table`` has read.
    """
    start = data.find(b"\n") + 1
    if table.mode == "delta" or start == 0 or table.lines_read != 1:
        return None, None
    if data.find("\ufeff".encode(), start) >= 0:
        return None, None  # the row path drops a BOM inside a line before it parses it
    body = memoryview(data)[start:]
    parsed = _parse(body, table) if _lines_are_rows(body, table.limit) else None
    if parsed is None:
        return None, None
    cells = {name: parsed.column(at) for name, at in table.header.index.items()}
    bad = _unusual(cells) | _not_plain(cells) | _unknown(cells, state)
    lines = np.arange(2, parsed.num_rows + 2, dtype=np.int64)
    rest = np.flatnonzero(bad)
    return _batch(cells, ~bad, lines, table.file), _rows(parsed, rest, lines)


def _lines_are_rows(body: memoryview, limit: int) -> bool:
    """Whether each line ends in LF or CRLF and none is over the cap (the row path fails those)."""
    raw = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    returns = np.flatnonzero(raw == 13)
    if len(returns) and not np.isin(returns + 1, ends).all():
        return False
    lengths = np.diff(ends, prepend=-1)
    tail = len(raw) - 1 - (ends[-1] if len(ends) else -1)
    return int(max(lengths.max(initial=0), tail)) <= limit // 4


def _parse(body: memoryview, table: Table) -> pa.Table | None:
    """The rows as string columns; None when a row breaks the one-line-one-row shape."""
    width, broken = table.header.width, []

    def skip(row: Any) -> str:
        broken.append(row)
        return "skip"

    names = [str(at) for at in range(width)]
    try:
        parsed = pv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pv.ReadOptions(column_names=names),
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
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    physical = int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == 10))
    if body and body[-1] != 10:
        physical += 1
    return None if broken or parsed.num_rows != physical else parsed


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


def _batch(
    cells: dict[str, Any], good: np.ndarray[Any, np.dtype[np.bool_]], lines: Any, file: str
) -> MembershipBatch | None:
    """The good rows as one batch record (None when there are none)."""
    if not good.any():
        return None
    where = pa.array(good)

    def encoded(name: str) -> tuple[list[str], array[int]]:
        found = pc.dictionary_encode(pc.filter(_column(cells, name), where))
        codes = found.indices.to_numpy(zero_copy_only=False).astype(np.intc)
        return found.dictionary.to_pylist(), array("i", codes.tobytes())

    persons, person = encoded("userSourcedId")
    groups, group = encoded("classSourcedId")
    roles, role = encoded("role")
    keys = pc.filter(_column(cells, "sourcedId"), where).cast(pa.large_string())
    _, ends, text = keys.buffers()
    offsets = np.frombuffer(ends, dtype=np.int64)[keys.offset : keys.offset + len(keys) + 1]
    first = int(offsets[0])
    data = bytes(text)[first : int(offsets[-1])] if text is not None else b""
    return MembershipBatch(
        persons,
        groups,
        roles,
        person,
        group,
        role,
        array("q", lines[good].astype(np.int64).tobytes()),
        data,
        array("q", (offsets - first).astype(np.int64).tobytes()),
        file=file,
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
