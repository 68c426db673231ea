"""Feeds: detect a file's format and open the reader for it."""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway import csvfeed
from gateway.errors import UsageError
from mapping.records import FeedError, Record, RowIssue

FORMATS = ("csv", "ims", "oneroster", "oneroster-rest")  # the last: a kept REST pull


@dataclass(frozen=True)
class Feed:
    """One file (or package) to import, and how."""

    path: Path
    format: str = ""
    source: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source_name(self) -> str:
        """The source the feed's records belong to (the format's name when not given)."""
        return self.source or self.format


def detect(path: Path) -> str:
    """Tell the format from the content: a OneRoster package, IMS XML, or else CSV."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    import oneroster

    if path.is_dir() or oneroster.zip_like(path):  # a zip cut short too: its reader says so
        if oneroster.sniff(path):
            return "oneroster"
        raise UsageError(f"{path}: a folder or zip that is not a OneRoster package; say --format")
    import ims  # imported here: CSV-only runs need not load lxml

    with path.open("rb") as fh:
        head = fh.read(4096)
    return "ims" if ims.sniff(head) else "csv"


def load_columns(path: str) -> dict[str, tuple[str, ...]]:
    """Read a --columns TOML file: header = "field" (or a list of fields) under [columns]."""
    try:
        with open(path, "rb") as fh:
            return parse_columns(fh.read().decode("utf-8"), f"--columns {path}")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"--columns {path}: {err}") from err


def parse_columns(text: str, where: str = "columns") -> dict[str, tuple[str, ...]]:
    """A --columns document's [columns] table; ``where`` names it in errors."""
    try:
        columns = tomllib.loads(text).get("columns", {})
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{where}: {err}") from err
    if not isinstance(columns, dict):
        raise UsageError(f'{where}: expected a [columns] table of "header" = "field"')
    fields = {
        str(h): tuple(map(str, f)) if isinstance(f, list) else (str(f),) for h, f in columns.items()
    }
    bad = [f"{h} = {f}" for h, fs in fields.items() for f in fs if not csvfeed.valid_field(f)]
    if bad:
        raise UsageError(f"{where}: unknown field(s): {', '.join(bad)}")
    return fields


@contextlib.contextmanager
def open_records(feed: Feed, settings: Mapping[str, Any]) -> Iterator[Iterator[Record | RowIssue]]:
    """Open the feed's reader; ``settings`` are the source's settings from the config."""
    name = feed.path.name
    opts = {**settings, **feed.options}
    if feed.format == "oneroster-rest":  # a pull kept by gateway.pull.rest
        from oneroster.rest import read_kept

        yield read_kept(feed.path)
        return
    if feed.format == "oneroster":
        import oneroster

        limit = int(opts.get("max_line_bytes", oneroster.ReadOptions().max_line_bytes))
        yield oneroster.read(feed.path, oneroster.ReadOptions(file=name, max_line_bytes=limit))
        return
    try:
        stream = feed.path.open("rb")
    except OSError as err:
        raise FeedError(f"cannot open {feed.path}: {err.strerror}", code="unreadable") from err
    with stream:
        if feed.format == "ims":
            import ims

            schema = Path(opts["pifu_schema"]) if opts.get("pifu_schema") else None
            yield ims.read(
                stream,
                ims.ReadOptions(
                    default_mode=opts.get("mode", "delta"),
                    target=opts.get("target", ""),
                    strict=bool(opts.get("strict")),
                    file=name,
                    schema=schema,
                    repair=bool(opts.get("repair_xml", True)),
                ),
            )
        else:
            yield csvfeed.read(
                stream,
                csvfeed.ReadOptions(
                    school=opts.get("school", ""),
                    role=opts.get("role", ""),
                    columns=opts.get("columns", {}),
                    file=name,
                    max_line_bytes=opts.get("max_line_bytes", csvfeed.MAX_LINE_BYTES),
                ),
            )
