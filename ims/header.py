"""``properties``: whom the file is for (``target``), and is it a full snapshot (``type``)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ims import tree
from ims.options import ReadOptions
from mapping.records import RowIssue

# PIFU's properties/type values; "event" carries single changes, so it reads as a delta.
MODES = {"full": "full", "delta": "delta", "event": "delta"}


@dataclass(frozen=True, slots=True)
class Properties:
    """What the reader needs from ``properties``."""

    targets: tuple[str, ...] = ()
    type: str | None = None
    line: int | None = None


def read_properties(element: etree._Element) -> Properties:
    """Read ``properties/target`` (any number) and ``properties/type``."""
    targets = (tree.text(target) or "" for target in tree.children(element, "target"))
    return Properties(
        tuple(t for t in targets if t), tree.text(element, "type"), tree.line(element)
    )


def target_mismatch(props: Properties, options: ReadOptions) -> RowIssue | None:
    """The note that skips the file when it is not meant for ``options.target``."""
    if not options.target or options.target in props.targets:
        return None
    sent = ", ".join(repr(t) for t in props.targets) or "no target"
    message = f"file is for {sent}, not {options.target!r}; skipped"
    return RowIssue("info", "target_mismatch", message, line=props.line, file=options.file)


def full_feed(props: Properties, options: ReadOptions) -> tuple[bool, list[RowIssue]]:
    """Whether the file is a full snapshot, and a note when its type is unknown."""
    default = options.default_mode
    mode = MODES.get(props.type.casefold()) if props.type is not None else default
    if mode is not None:
        return mode == "full", []
    message = f"properties/type {props.type!r} is not full, delta or event; read as {default}"
    issue = RowIssue("warning", "unknown_feed_type", message, line=props.line, file=options.file)
    return default == "full", [issue]
