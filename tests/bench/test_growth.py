"""The growth table and plot: slopes on log-log axes, one row per format and phase, a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from bench import growth


def _document(size: str, seconds: float, peak: float) -> dict[str, Any]:
    """A bench --json document with one OneRoster phase (and a parse-only row to leave out)."""
    result = {"format": "oneroster", "phase": "initial", "seconds": seconds, "peak_rss_mb": peak}
    parse = {**result, "phase": "parse_only"}
    return {"size": size, "database": "sqlite", "results": [result, parse]}


# Memberships grow 10× per size: seconds 10× (linear), memory ×√10 (sub-linear).
DOCUMENTS = [_document("M", 2.0, 100.0), _document("S", 0.2, 100 / 10**0.5)]
DOCUMENTS.append(_document("L", 20.0, 100 * 10**0.5))


def test_the_slopes_say_linear_time_and_square_root_memory() -> None:
    found = growth.points(DOCUMENTS)
    assert [p.size for p in found] == ["S", "M", "L"]
    assert round(growth.slope(found, "seconds") or 0, 6) == 1.0
    assert round(growth.slope(found, "peak_mb") or 0, 6) == 0.5
    assert growth.slope(found[:1], "seconds") is None


def test_the_table_has_a_row_per_phase_and_a_column_per_size() -> None:
    assert growth.table(growth.points(DOCUMENTS)).splitlines() == [
        "| format | phase | S s / MB | M s / MB | L s / MB | slope s | slope MB |",
        "|---|---|---:|---:|---:|---:|---:|",
        "| oneroster | initial | 0.2 / 32 | 2.0 / 100 | 20.0 / 316 | 1.00 | 0.50 |",
    ]


def test_the_plot_is_a_png(tmp_path: Path) -> None:
    out = tmp_path / "growth.png"
    growth.plot(growth.points(DOCUMENTS), out)
    with Image.open(out) as image:
        assert (image.format, image.size) == ("PNG", (1100, 450))
