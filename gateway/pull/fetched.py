"""What every kind of pull hands back, and the errors that make a pull try again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from gateway.config import Config
from gateway.store.pulls import Target
from mapping.records import FeedError


class PullError(FeedError):
    """A try of a pull failed (the source answered wrong, or a file is broken)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="pull_failed")


# A try that fails by one of these is tried again: network, HTTP, auth, broken downloads.
TRANSIENT: tuple[type[BaseException], ...] = (
    FeedError,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


@dataclass(frozen=True)
class Fetched:
    """A whole feed in the spool (``path``), or None when the source says nothing changed.

    ``format`` is the feed format its run reads; ``state`` what the source's pull state
    becomes once that run is applied.
    """

    path: Path | None
    format: str = ""
    state: dict[str, Any] = field(default_factory=dict)


# A kind of pull: fetch the target's feed into a new spool file under the folder given.
Kind = Callable[[Config, Target, Path, bool], Awaitable[Fetched]]


class Refused(PullError):
    """A try that must not be repeated (a host key that is not the pinned one): fail now."""
