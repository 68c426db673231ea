"""The streaming reader: one pass over the document, one top-level element at a time.

Each ``person``, ``group`` and ``membership`` is turned into records when its end
tag arrives, then cleared and dropped with everything before it, so memory stays
flat however large the file. What the file says about itself (``properties``)
is settled before the first record; the Scopes of a full snapshot come last,
only once the whole document has parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import BinaryIO

from lxml import etree

from ims import header, repair, tree, validate, xml
from ims.context import Context
from ims.group import read_group
from ims.membership import read_membership
from ims.options import ReadOptions
from ims.person import read_person
from mapping.records import (
    ENTITIES,
    Entity,
    FeedError,
    Group,
    GuardianLink,
    Membership,
    Org,
    Person,
    Record,
    RowIssue,
    Scope,
)

Element = etree._Element
Item = Record | RowIssue

TAGS = tuple(
    f"{{*}}{name}" for name in ("enterprise", "properties", "person", "group", "membership")
)
READERS: Mapping[str, Callable[[Element, Context], Iterator[Item]]] = {
    "person": read_person,
    "group": read_group,
}
ENTITY_OF: Mapping[type, Entity] = {
    Person: "accounts",
    Org: "nodes",
    Group: "groups",
    Membership: "memberships",
    GuardianLink: "guardian_links",
}
# A full snapshot declares these always (the engine keeps a Scope only when the feed holds
# some of its entity); the others only when it holds some.
ALWAYS_SCOPED: frozenset[Entity] = frozenset({"accounts", "memberships"})


def read(stream: BinaryIO, options: ReadOptions) -> Iterator[Record | RowIssue]:
    """Stream the records and issues of one IMS Enterprise (or PIFU-IMS) document."""
    repairing = repair.Repairing(stream, options.file, ampersands=options.repair)
    source = xml.Source(repairing, options.file)
    source.check_prolog()
    yield from _Reader(source, options, repairing).run()


def sniff(head: bytes) -> bool:
    """Whether the first bytes of a file look like an IMS Enterprise document."""
    return xml.first_tag(head) == "enterprise"


class _Reader:
    """The state of one pass over one document."""

    def __init__(
        self, source: xml.Source, options: ReadOptions, repairing: repair.Repairing
    ) -> None:
        self.source = source
        self.repairing = repairing
        self.options = options
        self.root: Element | None = None
        self.validator: validate.Validator | None = None
        self.ctx: Context | None = None
        self.skipped = False
        self.last: Element | None = None
        self.held: set[Entity] = set()

    def run(self) -> Iterator[Item]:
        """Parse, dispatch each top-level element, then finish the file."""
        parse = xml.Parse(self.source, TAGS)
        try:
            for event, element in parse:
                if self.root is None:
                    self._open(element.getroottree().getroot())
                if event == "end" and element.getparent() is self.root:
                    yield from self.repairing.issues()
                    yield from self._top(element)
                    if self.skipped:
                        return
        except etree.XMLSyntaxError as err:
            raise self._failure(err) from err
        if self.root is None:
            self._open(parse.root)
        yield from self.repairing.issues()
        yield from self._finish()

    def _open(self, root: Element | None) -> None:
        """Check the document before anything is read from it: no DTD, an ``enterprise`` root."""
        if root is None:
            raise FeedError(
                "the document has no root element", code="not_xml", file=self.options.file
            )
        xml.check_doctype(root, self.options.file)
        if tree.local(root) != "enterprise":
            raise _not_ims(tree.local(root), tree.line(root), self.options.file)
        self.root = root
        self.validator = validate.validator(
            root, self.options.schema, self.options.strict, self.options.file
        )

    def _failure(self, err: etree.XMLSyntaxError) -> FeedError:
        """Why the document does not parse; other XML is not IMS, whatever else is wrong."""
        # Read from the head, not from the root lxml yielded: lxml 6.2 raises before it yields.
        root = self.source.root_tag()
        if root is not None and root[0] != "enterprise":
            return _not_ims(*root, self.options.file)
        return self.source.syntax_error(err)

    def _top(self, element: Element) -> Iterator[Item]:
        """Handle one child of the root, then drop it and everything before it."""
        name = tree.local(element)
        first = self.ctx is None
        if self.ctx is None:
            props = header.read_properties(element) if name == "properties" else header.Properties()
            yield from self._decide(props)
            if self.skipped:
                return
        if self.validator is not None:
            yield from self._validate(self.validator, element)
        if name == "membership":
            # The hot path: memberships are always scoped, so nothing needs tallying.
            yield from read_membership(element, self._context())
        elif name != "properties":
            yield from self._emit(READERS[name](element, self._context()))
        elif not first:
            message = "<properties> after the first record or a second time; ignored"
            yield RowIssue(
                "warning",
                "misplaced_properties",
                message,
                line=tree.line(element),
                file=self.options.file,
            )
        self._release(element)

    def _decide(self, props: header.Properties) -> Iterator[RowIssue]:
        """Settle target and mode from ``properties`` (empty when the file has none)."""
        mismatch = header.target_mismatch(props, self.options)
        if mismatch is not None:
            self.skipped = True
            yield mismatch
            return
        full, issues = header.full_feed(props, self.options)
        self.ctx = Context(self.options.file, full)
        yield from issues

    def _validate(self, validator: validate.Validator, element: Element) -> Iterator[RowIssue]:
        """Schema checks of this element and of any unhandled siblings before it."""
        # Before this element: the last one handled (cleared, not yet dropped), then any
        # children of the root the reader has no use for, which the XSD may not allow.
        unhandled = [s for s in element.itersiblings(preceding=True) if s is not self.last]
        for sibling in reversed(unhandled):
            yield from validator.sibling(sibling)
        yield from validator.sibling(element)
        yield from validator.check(element)

    def _release(self, element: Element) -> None:
        """Free the element and its preceding siblings: what keeps memory flat."""
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
        self.last = element

    def _finish(self) -> Iterator[Item]:
        """After the whole document parsed: trailing checks, held records, then Scopes."""
        if self.ctx is None:
            yield from self._decide(header.Properties())
            if self.skipped:
                return
        if self.validator is not None and self.root is not None:
            trailing = self.last.itersiblings() if self.last is not None else iter(self.root)
            for sibling in list(trailing):
                yield from self.validator.sibling(sibling)
            yield from self.validator.close(self.root)
        yield from self._emit(self._context().refs.finish())
        if self._context().full:
            for entity in ENTITIES:
                if entity in ALWAYS_SCOPED or entity in self.held:
                    yield Scope(entity)

    def _emit(self, items: Iterator[Item]) -> Iterator[Item]:
        """Pass items on, remembering which entities the file held records of."""
        for item in items:
            if not isinstance(item, RowIssue):
                self.held.add(ENTITY_OF[type(item)])
            yield item

    def _context(self) -> Context:
        assert self.ctx is not None, "properties are settled before any record"
        return self.ctx


def _not_ims(name: str, line: int | None, file: str) -> FeedError:
    """The FeedError of a document whose root is not ``enterprise``."""
    message = f"the root element is <{name}>, not <enterprise>: not an IMS Enterprise file"
    return FeedError(message, code="not_ims", file=file, line=line)
