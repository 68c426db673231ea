"""Keep a large run's freed memory from staying resident (glibc's allocator; elsewhere a no-op).

A run at 100,000 people frees hundreds of MB between phases: the parsers' blocks,
numpy's scratch columns, the rows a query streamed. glibc raises its mmap threshold to
the largest buffer freed so far, so later buffers of that size come from the heap,
where memory freed in the middle stays resident: a process peaked 60 % above what it
held. A fixed threshold keeps large buffers in mappings of their own, returned on free,
and a trim between phases hands back what the heap freed.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
# glibc's starting threshold: buffers past it get a mapping of their own, as numpy's
# columns and pyarrow's blocks (megabytes) are, and the interpreter's small objects are not.
THRESHOLD_BYTES = 128 * 1024


def _glibc() -> Any:
    """The C library when it is glibc, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    needed = ("gnu_get_libc_version", "mallopt", "malloc_trim")  # musl and others lack them
    return libc if all(hasattr(libc, name) for name in needed) else None


_LIBC = _glibc()


def steady_threshold() -> None:
    """Fix the mmap threshold, so freed large buffers go back to the system."""
    if _LIBC is not None:
        _LIBC.mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES)


def release() -> None:
    """Hand the heap's free pages back to the system (between a run's phases)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
