"""Validation of PIFU-IMS documents against the PIFU XSD, one element at a time.

The whole document is never validated at once: that would hold it in memory.
Instead each top-level element (``properties``, ``person``, ``group``,
``membership``) is validated against its global declaration in the XSD while
the reader holds it, before it is cleared, and the order of the root's children
is checked against the XSD's ``enterprise`` sequence as they stream past. Memory
stays at one element; line numbers come from lxml's ``sourceline``.

The XSD comes from the caller (the gateway's config): its licence keeps it out
of this package. It is compiled once per process and path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree
from xmlschema.validators import XsdGroup

from ims import tree
from mapping.records import FeedError, RowIssue

PIFU_NS = "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"
ENTITY_OF_TAG = {"person": "accounts", "group": "groups", "membership": "memberships"}
# A namespace in Clark notation ({http://...}tag); not "{4}" in a pattern facet.
_NAMESPACE = re.compile(r"\{[A-Za-z][\w+.-]*:[^{}]*\}")


@functools.lru_cache(maxsize=4)
def load(path: str) -> xmlschema.XMLSchemaBase:
    """Compile the XSD at ``path`` (once per process); local files only, never the network."""
    try:
        return xmlschema.XMLSchema(path, allow="local", defuse="always")
    except (OSError, xmlschema.XMLSchemaException) as err:
        raise FeedError(f"cannot load the XSD {path}: {err}", code="schema_unavailable") from err


@dataclass(slots=True)
class Sequence:
    """Checks the root's children, one at a time, against a flat ``xs:sequence``."""

    particles: tuple[tuple[str, int, int | None], ...]
    index: int = 0
    count: int = 0

    def feed(self, name: str) -> str:
        """Why ``name`` may not come next ("" when it may); on a problem the position stays."""
        problem = ""
        index, count = self.index, self.count
        while index < len(self.particles):
            want, low, high = self.particles[index]
            if name == want and (high is None or count < high):
                self.index, self.count = index, count + 1
                return problem
            if count < low and not problem:
                problem = f"<{want}> is missing before <{name}>"
            index, count = index + 1, 0
        return problem or f"<{name}> is not allowed here"

    def close(self) -> str:
        """The required child still missing at the end ("" when none)."""
        index, count = self.index, self.count
        for want, low, _high in self.particles[index:]:
            if count < low:
                return f"<{want}> is missing"
            count = 0
        return ""


@dataclass(slots=True)
class Validator:
    """Validates a PIFU document's top-level elements as the reader streams them."""

    schema: xmlschema.XMLSchemaBase
    strict: bool
    file: str
    order: Sequence | None = field(init=False)

    def __post_init__(self) -> None:
        self.order = _sequence(self.schema)

    def check(self, element: etree._Element) -> Iterator[RowIssue]:
        """Violations in one top-level element (the first raises when strict)."""
        name = tree.local(element)
        declaration = self.schema.elements.get(name)
        if declaration is None:
            return
        key = tree.key(element) if name in ENTITY_OF_TAG else ""
        # xmlschema takes lxml elements (and then reports their source lines).
        subject: Any = element
        for error in declaration.iter_errors(subject):
            path = _NAMESPACE.sub("", error.path or "")
            message = f"{path}: {_NAMESPACE.sub('', error.reason or error.message)}"
            where = error.sourceline or tree.line(element)
            yield self._violation(message, where, ENTITY_OF_TAG.get(name, ""), key)

    def sibling(self, element: etree._Element) -> Iterator[RowIssue]:
        """A violation when this child of the root comes out of the XSD's order."""
        problem = self.order.feed(tree.local(element)) if self.order is not None else ""
        if problem:
            yield self._violation(f"/enterprise: {problem}", tree.line(element))

    def close(self, root: etree._Element) -> Iterator[RowIssue]:
        """A violation when the root ends without a required child."""
        problem = self.order.close() if self.order is not None else ""
        if problem:
            yield self._violation(f"/enterprise: {problem}", tree.line(root))

    def _violation(
        self, message: str, line: int | None, entity: str = "", key: str = ""
    ) -> RowIssue:
        if self.strict:
            message = f"schema violation: {message}"
            raise FeedError(message, code="schema_violation", file=self.file, line=line)
        return RowIssue("warning", "schema_violation", message, entity, key, line, self.file)


def validator(
    element: etree._Element, schema: Path | None, strict: bool, file: str
) -> Validator | None:
    """A Validator when a schema is given and the document (root ``element``) is PIFU."""
    if schema is None or tree.namespace(element) != PIFU_NS:
        return None
    return Validator(load(str(schema.resolve())), strict, file)


def _sequence(schema: xmlschema.XMLSchemaBase) -> Sequence | None:
    """The ``enterprise`` content model as a Sequence; None when it is not a flat sequence."""
    content: Any = getattr(schema.elements["enterprise"].type, "content", None)
    items: list[Any] = list(content) if isinstance(content, XsdGroup) else []
    if not items or content.model != "sequence":
        return None
    if not all(isinstance(item, xmlschema.XsdElement) for item in items):
        return None
    return Sequence(tuple((i.local_name, i.min_occurs, i.max_occurs) for i in items))
