"""Run one phase in a child process: its wall time from the parent, its peak RSS.

The peak is the child's own VmHWM, which it reports with its JSON. ``ru_maxrss``
from ``os.wait4`` is the fallback only (where there is no /proc): Linux counts
into it the high-water mark of the address space the child was forked from, so
every child of a parent that once held 500 MB would report at least 500 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

DATABASE_VARIABLE = "ROSTERGATE_BENCH_DATABASE"
PEAK_KEY = "vm_hwm_kb"  # the child's own peak RSS, in its JSON
# ru_maxrss is in kilobytes on Linux and in bytes on macOS.
RSS_UNIT = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class Measured:
    """What one child process took and said."""

    seconds: float
    cpu_seconds: float  # user + system time of the child: what contention does not inflate
    peak_rss_mb: float
    code: int
    output: dict[str, Any] | None  # its JSON, None when it printed none
    stderr: str

    @property
    def ok(self) -> bool:
        """Whether the child exited cleanly with its JSON."""
        return self.code == 0 and self.output is not None


def measure(*args: str, url: str = "") -> Measured:
    """Run ``python -m bench.phase ARGS`` on database ``url`` and measure it from start to exit."""
    command = [sys.executable, "-m", "bench.phase", *args]
    # The URL travels in the environment: a password in argv would show in `ps`.
    env = {**os.environ, DATABASE_VARIABLE: url}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env)
        assert child.stdout is not None
        out = child.stdout.read()
        # wait4, not child.wait(): it hands back the child's own resource usage.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    try:
        output = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        output, stderr = None, f"{stderr}\nnot JSON on stdout: {out[:500]!r}"
    own = output.pop(PEAK_KEY, None) if output else None
    peak = own * 1024 if own is not None else usage.ru_maxrss * RSS_UNIT
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(seconds, cpu, round(peak / 2**20, 1), child.returncode, output, stderr)
