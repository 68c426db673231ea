"""Element helpers that match on local names, so any namespace (or none) reads the same.

They are the reader's hot path: a large file holds a million member roles. So
they avoid what costs most in lxml: iterator objects (``iterchildren`` costs more
than the few children it walks), ElementPath (``find``) and splitting the same
``{namespace}name`` tag again for every element. An element's children are taken
with one slice and matched on local names that are split once per tag
(``NAMES``); ``by_name`` and ``firsts`` read them in one pass for the readers to
look up many names.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import cast

from lxml import etree

Element = etree._Element
Children = Mapping[str, list[Element]]


class _LocalNames(dict[object, str]):
    """``"{namespace}name"`` → ``"name"``, split once per tag: ``NAMES[element.tag]``."""

    # A document uses a few dozen tags; the cap keeps a hostile one from growing the cache.
    limit = 10_000

    def __missing__(self, tag: object) -> str:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""  # "" for comments etc.
        if len(self) < self.limit:
            self[tag] = name
        return name


# The local name of a tag: a subscript rather than a function call, in the hottest path.
NAMES = _LocalNames()
# An element's children as a list: one slice, cheaper than any lxml iterator. (The lxml
# stubs type integer indexes only, hence itemgetter rather than ``element[:]``.)
items: Callable[[Element], list[Element]] = operator.itemgetter(slice(None))
_NO_CHILDREN: Children = {}


def local(element: Element) -> str:
    """The element's tag without its namespace ("" for comments and the like)."""
    return NAMES[element.tag]


def namespace(element: Element) -> str:
    """The element's namespace URI ("" when it has none)."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def by_name(element: Element | None) -> Children:
    """The element's children grouped by local name, each group in document order."""
    if element is None:
        return _NO_CHILDREN
    found: dict[str, list[Element]] = {}
    for item in items(element):
        name = NAMES[item.tag]
        if name in found:
            found[name].append(item)
        else:
            found[name] = [item]
    return found


def firsts(element: Element | None) -> dict[str, Element]:
    """The element's first child of each local name (none when ``element`` is None)."""
    found: dict[str, Element] = {}
    if element is not None:
        for item in items(element):
            name = NAMES[item.tag]
            if name not in found:
                found[name] = item
    return found


def first(children: Children, name: str) -> Element | None:
    """The first of ``children`` (from ``by_name``) called ``name``, or None."""
    named = children.get(name)
    return named[0] if named else None


def children(element: Element | None, name: str) -> list[Element]:
    """The child elements called ``name``, in any namespace (none when ``element`` is None)."""
    if element is None:
        return []
    return [item for item in items(element) if NAMES[item.tag] == name]


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down ``path`` (one local name per level), or None."""
    found = element
    for name in path:
        if found is None:
            return None
        found = _first_child(found, name)
    return found


def _first_child(element: Element, name: str) -> Element | None:
    """The first child element called ``name``, or None."""
    for item in items(element):
        if NAMES[item.tag] == name:
            return item
    return None


def text(element: Element | None, *path: str) -> str | None:
    """The trimmed text down ``path``: None when the element is missing, "" when it is empty."""
    found = child(element, *path) if path else element
    if found is None:
        return None
    if len(found) == 0:  # the common case, and much cheaper than itertext()
        return (found.text or "").strip()
    return "".join(cast("Iterator[str]", found.itertext())).strip()


def attr(element: Element | None, name: str) -> str | None:
    """The trimmed value of an attribute, or None."""
    value = element.get(name) if element is not None else None
    return value.strip() if value is not None else None


def line(element: Element | None) -> int | None:
    """The line the element starts on."""
    number = element.sourceline if element is not None else None
    return number if isinstance(number, int) else None


def ids(sourcedid: Element | None) -> tuple[str, str]:
    """``(id, source)`` of a ``sourcedid`` element ("" for each that is missing)."""
    found = firsts(sourcedid)
    return text(found.get("id")) or "", text(found.get("source")) or ""


def key(element: Element) -> str:
    """``sourcedid/id`` of an element ("" when missing)."""
    return text(element, "sourcedid", "id") or ""


def source(element: Element) -> str:
    """``sourcedid/source`` of an element ("" when missing)."""
    return text(element, "sourcedid", "source") or ""


def parse_date(value: str | None) -> date | None:
    """An ISO date, or None; raises ValueError for text that is not one."""
    if not value:
        return None
    # A datetime ("2007-03-10T10:02:01") counts by its date part.
    return date.fromisoformat(value[:10])
