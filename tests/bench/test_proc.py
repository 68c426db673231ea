"""Measuring a phase: the peak memory is the child's own, not its parent's."""

from __future__ import annotations

from pathlib import Path

from bench.generate import FeedSet
from bench.proc import measure

MB = 2**20


def test_a_small_child_of_a_big_parent_reports_its_own_peak(feeds: FeedSet, tmp_path: Path) -> None:
    ballast = bytearray(600 * MB)  # the parent's peak; ru_maxrss would hand it to the child
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))
    m = measure(
        "floor",
        str(feeds.feeds["csv"].paths["base"]),
        "--format",
        "csv",
        url=f"sqlite:///{tmp_path / 'floor.db'}",
    )
    del ballast
    assert m.ok, m.stderr
    assert m.output is not None
    assert m.output["entities"]["accounts"] == {"total": 1_600, "active": 1_600}  # with guardians
    assert 5 < m.peak_rss_mb < 200
    assert m.seconds > 0
