"""Match a CSV header to the spec's columns by name, whatever the order."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from mapping.records import Severity
from oneroster.columns import ALIASES, DELTA_REQUIRED, EXTENSION_PREFIXES, FileSpec, Mode

Note = tuple[Severity, str, str]  # severity, code, message; all about line 1


@dataclass
class Header:
    """Where each spec column sits in the file, and what the header got wrong."""

    index: dict[str, int] = field(default_factory=dict)
    width: int = 0
    notes: list[Note] = field(default_factory=list)
    failed: bool = False


def _spec_name(name: str, spec: FileSpec) -> str | None:
    """The spec column a non-exact header name stands for (an alias or another case)."""
    alias = ALIASES.get(name)
    if alias in spec.columns:
        return alias
    folded = name.casefold()
    return next((c for c in spec.columns if c.casefold() == folded), None)


def _guess(name: str, spec: FileSpec) -> str:
    """``name`` with a hint at the spec column it may be a typo of."""
    close = difflib.get_close_matches(name, spec.columns, n=1, cutoff=0.8)
    return f"{name} (did you mean {close[0]}?)" if close else name


# What a header can get wrong, in the order the report lists it: severity, message.
NOTES: dict[str, tuple[Severity, str]] = {
    "unknown_columns": ("warning", "unknown column(s) {}; ignored"),
    "column_alias": ("warning", "column(s) read as spec columns: {}"),
    "extension_columns": ("info", "vendor extension column(s) {} are not kept"),
    "empty_header_columns": ("warning", "{} header cell(s) are empty; ignored"),
    "duplicate_columns": ("warning", "column(s) sent twice: {}"),
    "missing_columns": ("error", "missing required column(s) {}; file not read"),
}


def match(names: list[str], spec: FileSpec, mode: Mode) -> Header:
    """Map header names to spec columns and note unknown, renamed and missing ones."""
    header = Header()
    names = [n.strip() for n in names]
    header.width = max((i + 1 for i, n in enumerate(names) if n), default=0)
    # Exact names first, so an alias never shadows the real column later in the row.
    for i, name in enumerate(names):
        if name in spec.columns and name not in header.index:
            header.index[name] = i
    found: dict[str, list[str]] = {code: [] for code in NOTES}
    for i, name in enumerate(names):
        if name and header.index.get(name) != i:
            _place(header, found, spec, name, i)
    empty = names[: header.width].count("") + len(names) - header.width
    found["empty_header_columns"] = [str(empty)] if empty else []
    required = spec.required + spec.present + (DELTA_REQUIRED if mode == "delta" else ())
    found["missing_columns"] = [c for c in dict.fromkeys(required) if c not in header.index]
    for code, items in found.items():
        if items:
            severity, template = NOTES[code]
            header.notes.append((severity, code, template.format(", ".join(items))))
    header.failed = bool(found["missing_columns"])
    return header


def _place(header: Header, found: dict[str, list[str]], spec: FileSpec, name: str, at: int) -> None:
    """Place a header name that is not a spec column as such (or note what it is)."""
    column = _spec_name(name, spec)
    if name.startswith(EXTENSION_PREFIXES):
        found["extension_columns"].append(name)
    elif column is None:
        found["unknown_columns"].append(_guess(name, spec))
    elif column in header.index:
        again = "" if name == column else f"{name} in "
        found["duplicate_columns"].append(
            f"{column} (column {header.index[column] + 1} read, {again}column {at + 1} ignored)"
        )
    else:
        header.index[column] = at
        found["column_alias"].append(f"{name} as {column}")
