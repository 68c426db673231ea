"""How the caller wants one OneRoster package read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Options for :func:`oneroster.read`.

    ``file`` names the package in feed-level errors. The limits harden zip
    packages: at most ``max_members`` members, ``max_total_bytes`` uncompressed
    in all, and no member (above 1 MiB) that inflates more than ``max_ratio``
    times; both what the headers declare and what is actually read are counted.
    ``max_line_bytes`` caps a line (and so a field) of any file; a longer line fails the feed.
    ``column_bytes``: an enrollments.csv at least this large is read column-wise
    (``oneroster.columnar``); smaller ones row by row.
    ``today`` is the day roles.csv's beginDate and endDate are held against (None: today).
    """

    file: str = ""
    max_members: int = 200
    max_total_bytes: int = 2 * 1024**3
    max_ratio: int = 100
    max_line_bytes: int = 1024 * 1024
    column_bytes: int = 4 * 1024 * 1024
    today: date | None = None
