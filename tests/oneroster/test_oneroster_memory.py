"""Memory grows with distinct keys, not with rows: enrollments leave nothing behind."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import oneroster

MANIFEST = "propertyName,value\noneroster.version,1.2\n" + "".join(
    f"file.{name},bulk\n" for name in ("users", "roles", "classes", "enrollments")
)


def _package(path: Path, enrollments: int) -> Path:
    """200 users in 20 classes, and ``enrollments`` rows between them."""
    files = {
        "manifest.csv": MANIFEST,
        "users.csv": "sourcedId,enabledUser,username,givenName,familyName\n"
        + "".join(f"u{i},true,u{i},G{i},F{i}\n" for i in range(200)),
        "roles.csv": "sourcedId,userSourcedId,roleType,role,orgSourcedId\n"
        + "".join(f"r{i},u{i},primary,student,s1\n" for i in range(200)),
        "classes.csv": "sourcedId,title,classType,schoolSourcedId\n"
        + "".join(f"c{i},C{i},scheduled,s1\n" for i in range(20)),
        "enrollments.csv": "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role\n"
        + "".join(f"e{i},c{i % 20},s1,u{i % 200},student\n" for i in range(enrollments)),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _peak(path: Path) -> tuple[int, int]:
    """Records read and the peak of traced memory while reading them one by one."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in oneroster.read(path, oneroster.ReadOptions()))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_enrollments(tmp_path: Path) -> None:
    small_count, small = _peak(_package(tmp_path / "small.zip", 5_000))
    large_count, large = _peak(_package(tmp_path / "large.zip", 40_000))
    assert large_count - small_count == 35_000
    assert large < small * 1.25 + 64 * 1024, (small, large)
