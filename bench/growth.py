"""How cost grows with size: a table and a log-log plot from ``bench --json`` documents.

``python -m bench.growth OUT.png S.json M.json L.json XL.json`` prints a Markdown
table (seconds and peak memory per size, format and phase, and the slope of each
on log-log axes: 1 is linear) and writes the plot. Matplotlib comes with the
``test`` extra; the gateway never needs it.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.sizes import SIZES


@dataclass(frozen=True)
class Point:
    """One phase of one format at one size."""

    size: str
    format: str
    phase: str
    seconds: float
    peak_mb: float

    @property
    def memberships(self) -> int:
        """The size's membership count: the x axis."""
        return SIZES[self.size].memberships


def points(documents: Sequence[dict[str, Any]]) -> list[Point]:
    """Every measured phase of the documents, smallest size first."""
    found = [
        Point(d["size"], r["format"], r["phase"], r["seconds"], r["peak_rss_mb"])
        for d in documents
        for r in d["results"]
        if r["phase"] != "parse_only"
    ]
    return sorted(found, key=lambda p: (p.format, p.phase, p.memberships))


def _series(found: list[Point]) -> dict[tuple[str, str], list[Point]]:
    """The points by (format, phase), in size order."""
    series: dict[tuple[str, str], list[Point]] = {}
    for p in found:
        series.setdefault((p.format, p.phase), []).append(p)
    return series


def slope(line: list[Point], value: str) -> float | None:
    """The least-squares slope of log(value) over log(memberships): 1 is linear growth."""
    if len(line) < 2:
        return None
    xs = [math.log(p.memberships) for p in line]
    ys = [math.log(getattr(p, value)) for p in line]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread


def table(found: list[Point]) -> str:
    """The Markdown table: one row per format and phase, one column pair per size."""
    sizes = sorted({p.size for p in found}, key=lambda s: SIZES[s].memberships)
    head = ["format", "phase", *(f"{s} s / MB" for s in sizes), "slope s", "slope MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for (fmt, phase), line in _series(found).items():
        by_size = {p.size: f"{p.seconds:.1f} / {p.peak_mb:.0f}" for p in line}
        slopes = [slope(line, "seconds"), slope(line, "peak_mb")]
        cells = [by_size.get(s, "–") for s in sizes]
        cells += ["–" if v is None else f"{v:.2f}" for v in slopes]
        lines.append("| " + " | ".join([fmt, phase, *cells]) + " |")
    return "\n".join(lines)


def plot(found: list[Point], out: Path) -> None:
    """Seconds and peak memory against memberships, both axes logarithmic, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the plot only goes to a file
    from matplotlib import pyplot

    figure, (left, right) = pyplot.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    for (fmt, phase), line in _series(found).items():
        xs = [p.memberships for p in line]
        left.plot(xs, [p.seconds for p in line], marker="o", label=f"{fmt} {phase}")
        right.plot(xs, [p.peak_mb for p in line], marker="o", label=f"{fmt} {phase}")
    for axes, what in ((left, "seconds"), (right, "peak memory (MB)")):
        axes.set(xscale="log", yscale="log", xlabel="memberships", ylabel=what)
        axes.grid(True, which="both", alpha=0.3)
    left.legend(fontsize="small")
    figure.suptitle("rostergate bench: how cost grows with size")
    figure.savefig(out, dpi=100)
    pyplot.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table and write the plot."""
    p = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="the PNG to write")
    p.add_argument("documents", type=Path, nargs="+", help="bench --json outputs, one per size")
    args = p.parse_args(argv)
    found = points([json.loads(d.read_text(encoding="utf-8")) for d in args.documents])
    print(table(found))
    plot(found, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
