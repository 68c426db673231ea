"""The provider's query parameters (filter, sort, orderBy, fields, limit, offset) as values.

A ``filter`` is parsed into a disjunction of conjunctions of ``Clause`` values
(``AND`` binds tighter than ``OR``), never into text for a database: the store
turns each clause into an expression on a known column. Field names are checked
against the collection's fields here, so a store only ever sees names it knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Op = Literal["=", "!=", ">", ">=", "<", "<=", "~"]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

_CLAUSE = re.compile(r"\s*([A-Za-z][A-Za-z0-9_.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*")
_JOIN = re.compile(r"(AND|OR)\b", re.IGNORECASE)


class ProviderError(Exception):
    """A request the provider refuses: its HTTP status, imsx codeMinor and description."""

    def __init__(self, status: int, minor: str, description: str) -> None:
        super().__init__(description)
        self.status, self.minor, self.description = status, minor, description


def bad_filter(description: str) -> ProviderError:
    """A 400 for a filter that cannot be applied."""
    return ProviderError(400, "invalid_filter_field", description)


def bad_selection(description: str) -> ProviderError:
    """A 400 for a sort or fields parameter that names no field."""
    return ProviderError(400, "invalid_selection_field", description)


@dataclass(frozen=True, slots=True)
class Clause:
    """One comparison: ``field op 'value'``; fields starting with ``@`` are the provider's own."""

    field: str
    op: Op
    value: str


Filter = tuple[tuple[Clause, ...], ...]  # OR of ANDs; () matches everything


@dataclass(frozen=True, slots=True)
class Query:
    """One collection read: what to match, in which order, which page and which fields."""

    filter: Filter = ()
    sort: str = ""
    descending: bool = False
    fields: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    extra: tuple[Clause, ...] = field(default=())  # the endpoint's own constraints

    def where(self) -> Filter:
        """The filter with the endpoint's constraints added to every alternative."""
        return tuple(ands + self.extra for ands in self.filter or ((),))


def parse_filter(text: str, known: frozenset[str]) -> Filter:
    """``text`` as an OR of ANDs of clauses on ``known`` fields; ProviderError if it is not one."""
    alternatives: list[tuple[Clause, ...]] = []
    current: list[Clause] = []
    position = 0
    while True:
        match = _CLAUSE.match(text, position)
        if match is None:
            raise bad_filter(f"filter {text!r}: expected field<op>'value' at {position}")
        name, op, value = match.groups()
        if name not in known:
            raise bad_filter(f"filter {text!r}: {name!r} is no field that can be filtered on")
        current.append(Clause(name, op, value.replace("''", "'")))  # type: ignore[arg-type]
        position = match.end()
        if position == len(text):
            break
        join = _JOIN.match(text, position)
        if join is None:
            raise bad_filter(f"filter {text!r}: expected AND or OR at {position}")
        if join.group(1).upper() == "OR":
            alternatives.append(tuple(current))
            current = []
        position = join.end()
    alternatives.append(tuple(current))
    return tuple(alternatives)


def _number(params: Mapping[str, str], name: str, default: int, least: int) -> int:
    """An integer query parameter of at least ``least``."""
    raw = params.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < least:
        raise ProviderError(400, "invaliddata", f"{name} must be an integer of at least {least}")
    return int(raw)


def parse_query(
    params: Mapping[str, str], filterable: frozenset[str], selectable: frozenset[str]
) -> Query:
    """The query parameters of a collection read, checked against the collection's fields."""
    text = params.get("filter", "").strip()
    sort = params.get("sort", "").strip()
    if sort and sort not in filterable:
        raise bad_selection(f"sort {sort!r} is no field that can be sorted on")
    order = params.get("orderBy", "asc").strip().lower()
    if order not in ("asc", "desc"):
        raise ProviderError(400, "invaliddata", "orderBy must be asc or desc")
    fields = tuple(f.strip() for f in params.get("fields", "").split(",") if f.strip())
    unknown = [f for f in fields if f not in selectable]
    if unknown:
        raise bad_selection(f"fields: {', '.join(unknown)} is no field of this collection")
    return Query(
        filter=parse_filter(text, filterable) if text else (),
        sort=sort,
        descending=order == "desc",
        fields=fields,
        limit=min(_number(params, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT),
        offset=_number(params, "offset", 0, 0),
    )
