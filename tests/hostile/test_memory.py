"""The corpus's big cases in a process of their own: peak memory stays bounded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.corpus import CASES, Case
from tests.hostile.test_corpus import _options

BIG = sorted(name for name, case in CASES.items() if case.max_mb)

# A child's ru_maxrss starts from its parent's size across fork and exec, and pytest is big:
# a small launcher runs the CLI and reports that grandchild's peak and exit code.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen([sys.executable, "-c", "import sys; from gateway.cli import main; "
                         "sys.exit(main())", *sys.argv[1:]],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_mb(args: list[str], env: dict[str, str]) -> tuple[int, float]:
    """Run the CLI in a new process; its exit code and its peak resident memory in MB."""
    said = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], env=env, capture_output=True, text=True, check=True
    )
    code, kilobytes = said.stdout.split()
    return int(code), int(kilobytes) / 1024  # Linux reports kilobytes


@pytest.mark.parametrize("name", BIG)
def test_peak_memory_is_bounded(sqlite_url: str, tmp_path: Path, name: str) -> None:
    case: Case = CASES[name]
    env = {**os.environ, "ROSTERGATE_DATABASE_URL": sqlite_url}
    code, peak = peak_mb(["import", str(case.build(tmp_path)), *_options(case)], env)
    assert code == case.exit
    assert peak < case.max_mb, f"{name}: {peak:.0f} MB"
