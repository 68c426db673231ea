"""Element helpers that match on local names, so any namespace (or none) reads the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import cast

from lxml import etree

Element = etree._Element


def local(element: Element) -> str:
    """The element's tag without its namespace ("" for comments and the like)."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element: Element) -> str:
    """The element's namespace URI ("" when it has none)."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: Element | None, name: str) -> Iterator[Element]:
    """The child elements called ``name``, in any namespace (none when ``element`` is None)."""
    if element is None:
        return iter(())
    # lxml matches "{*}name" in C: much faster than comparing local names in Python.
    return element.iterchildren(f"{{*}}{name}")


def child(element: Element, *path: str) -> Element | None:
    """The first element down ``path`` (one local name per level), or None."""
    found: Element | None = element
    for name in path:
        if found is None:
            return None
        found = next(children(found, name), None)
    return found


def text(element: Element | None, *path: str) -> str | None:
    """The trimmed text down ``path``: None when the element is missing, "" when it is empty."""
    found = child(element, *path) if element is not None else None
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
