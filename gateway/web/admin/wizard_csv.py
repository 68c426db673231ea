"""The wizard's column step for the gateway's CSV: the file's header and first rows, the
field each column holds (recognised headers pre-filled), and the choices made checked."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from gateway.csvfeed.columns import FIELDS, GUARDIAN_FIELDS, LEVELS, REQUIRED, recognised
from gateway.csvfeed.lines import decoded_lines, sniff_delimiter
from gateway.errors import UsageError
from mapping.records import FeedError

SAMPLE_ROWS = 3
# Guardians offered beyond the highest numbered one the header names.
SPARE_GUARDIANS = 1


@dataclass(frozen=True)
class Column:
    """One column of the file: its header, the field chosen for it, and sample values."""

    header: str
    field: str
    samples: tuple[str, ...]


def read_columns(path: Path, saved: Mapping[str, Sequence[str]] | None = None) -> list[Column]:
    """The file's columns with a field each: a saved mapping's, else the header's own name's."""
    try:
        with path.open("rb") as stream:
            lines = decoded_lines(stream, path.name)
            head = [text for _, text in islice(lines, SAMPLE_ROWS + 1)]
    except (OSError, FeedError) as err:
        raise UsageError(f"{path.name}: cannot be read as CSV ({err})") from None
    if not head or not head[0].strip():
        raise UsageError(f"{path.name}: the file is empty; expected a header line")
    rows = list(csv.reader(head, delimiter=sniff_delimiter(head[0])))
    columns = []
    for i, header in enumerate(rows[0]):
        header = header.strip().lstrip("\ufeff")
        given = (saved or {}).get(header)
        field = (given[0] if given else "") if given is not None else recognised(header) or ""
        samples = tuple(row[i].strip() for row in rows[1:] if i < len(row) and row[i].strip())
        columns.append(Column(header, field, samples))
    return columns


def choices(columns: Sequence[Column]) -> list[str]:
    """The fields a column may hold: the person's, any level, and numbered guardians' fields."""
    numbers = [int(c.field[8:].split(".")[0]) for c in columns if c.field.startswith("guardian")]
    guardians = max([0, *numbers]) + SPARE_GUARDIANS
    own = [*FIELDS, *LEVELS]
    return own + [f"guardian{n}.{f}" for n in range(1, guardians + 1) for f in GUARDIAN_FIELDS]


class MappingProblem(UsageError):
    """A column choice the file cannot be read with: ``code`` says which, ``fields`` name them."""

    def __init__(self, code: str, fields: Sequence[str] = ()) -> None:
        super().__init__(f"{code}: {', '.join(fields)}")
        self.code, self.fields = code, tuple(fields)


def chosen(headers: Sequence[str], picked: Mapping[str, str], role: str) -> dict[str, list[str]]:
    """The --columns mapping of the choices: every header named, an ignored one with none.

    Refused (MappingProblem) without the required fields, with a field other than a level
    twice, or with no role column and no role for the whole file.
    """
    mapping = {h: [picked[h]] if picked.get(h) else [] for h in headers}
    taken = [f for fields in mapping.values() for f in fields]
    missing = [f for f in REQUIRED if f not in taken]
    if missing:
        raise MappingProblem("missing", missing)
    twice = sorted({f for f in taken if taken.count(f) > 1 and f != "level"})
    if twice:
        raise MappingProblem("twice", twice)
    if "role" not in taken and not role:
        raise MappingProblem("no_role")
    return mapping
