"""What the element readers share while one file streams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from lxml import etree

from ims import tree
from ims.refs import Refs
from mapping.records import RowIssue, Severity


class Context:
    """The file's name and mode, the keys seen so far, and the notes already made."""

    def __init__(self, file: str, full: bool) -> None:
        self.file = file
        self.full = full
        self.refs = Refs(full)
        self._noted: set[tuple[str, str]] = set()

    def issue(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        entity: str = "",
        key: str = "",
        at: etree._Element | None = None,
    ) -> RowIssue:
        """A RowIssue located at element ``at`` in this file."""
        return RowIssue(severity, code, message, entity, key, tree.line(at), self.file)

    def once(
        self, code: str, what: str, message: str, *, entity: str, at: etree._Element
    ) -> Iterator[RowIssue]:
        """An info issue the first time ``what`` shows up for ``code`` in this file."""
        if (code, what) not in self._noted:
            self._noted.add((code, what))
            yield self.issue("info", code, message, entity=entity, at=at)

    def date(
        self, element: etree._Element | None, entity: str, key: str
    ) -> tuple[date | None, list[RowIssue]]:
        """Parse a date element's text: the date (or None) and an issue when it is no date."""
        value = tree.text(element)
        try:
            return tree.parse_date(value), []
        except ValueError:
            message = f"{value!r} is not a date (YYYY-MM-DD); ignored"
            issue = self.issue(
                "warning", "invalid_date", message, entity=entity, key=key, at=element
            )
            return None, [issue]
