"""A progress line on stderr for a long import: phase, records read, rate.

Drawn only when stderr is a terminal; ``--json`` and a pipe get nothing. It is fed by the
same progress the run records on its row (``gateway.store.progress``).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

# Redraw at most this often: a terminal needs no more, and a fast run should not wait on it.
REDRAW_SECONDS = 0.1


class Bar:
    """One line, redrawn in place, that says how far a run has come."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.width = 0

    def __call__(self, phase: str, read: int, total: int | None) -> None:
        """Show the run's phase and count (a new phase at once, counts now and then)."""
        at = time.monotonic()
        if at - self.drawn_at < REDRAW_SECONDS and phase == "read" and read:
            return
        self.drawn_at = at
        rate = read / max(at - self.started, 1e-6)
        of = f" of {total:,}" if total is not None and phase == "read" else ""
        text = f"{phase:<5} {read:,}{of} records  ({rate:,.0f}/s)"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        """Clear the line, so what the command prints next starts clean."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def bar_for(as_json: bool, stream: TextIO | None = None) -> Bar | None:
    """A bar on stderr when it is a terminal and the output is not JSON; else None."""
    stream = stream or sys.stderr
    return Bar(stream) if not as_json and stream.isatty() else None
