"""Run the benchmark: per format, the floors, then the three import phases, each checked.

Every measurement is a process of its own (see ``bench.proc``): the initial
import into an empty store, a re-import of the same feed, a re-import of the
changed feed, and for IMS the reader alone. The floor is measured per file set
(base and changed), so the initial and unchanged phases share the base floor;
it is the fastest of up to three runs. The import phases run once each: a
re-import is a different measurement, not a repeat.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import stores
from bench.checks import failure, floor_check, import_check, parse_check
from bench.formats import FORMATS
from bench.generate import VARIANTS, FeedFiles, FeedSet, generate
from bench.proc import Measured, measure
from bench.sizes import Size

# phase → the feed it imports
PHASES = {"initial": "base", "unchanged": "base", "changed_1pct": "changed"}
Say = Callable[[str], None]
# Short floors are noisy: run them up to three times (until 10 s are spent), keep the best.
FLOOR_RUNS = 3
FLOOR_BUDGET = 10.0


@dataclass(frozen=True)
class Options:
    """What to measure."""

    size: Size
    formats: list[str]
    database: str | None = None  # a PostgreSQL admin URL; None: SQLite files
    seed: int = 1
    keep: Path | None = None  # keep (and reuse) the generated feeds here


def _failed(what: str, m: Measured) -> dict[str, Any]:
    """The check of a phase whose process failed."""
    return {"ok": False, "mismatches": [failure(what, m)], "expected": None, "actual": None}


@dataclass(frozen=True)
class Result:
    """One measured phase of one format, and its checks."""

    format: str
    phase: str
    seconds: float  # wall time of the process, from spawn to exit
    cpu_seconds: float  # its user + system time: what a busy machine does not inflate
    rows: int
    peak_rss_mb: float
    floor_seconds: float | None
    checks: dict[str, Any]

    @property
    def ratio(self) -> float | None:
        """Seconds as a multiple of the floor's."""
        return round(self.seconds / self.floor_seconds, 2) if self.floor_seconds else None

    def as_json(self) -> dict[str, Any]:
        """The result as ``--json`` prints it (exactly these keys)."""
        return {
            "format": self.format,
            "phase": self.phase,
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
            "rows_per_s": round(self.rows / self.seconds) if self.seconds else None,
            "peak_rss_mb": self.peak_rss_mb,
            "floor_seconds": round(self.floor_seconds, 3) if self.floor_seconds else None,
            "ratio": self.ratio,
            "checks": self.checks,
        }


def _result(
    feed: FeedFiles, phase: str, m: Measured, floor: Measured, check: dict[str, Any]
) -> Result:
    """The result of one measured phase."""
    floor_seconds = floor.seconds if floor.ok else None
    rows = feed.rows[PHASES.get(phase, "base")]
    return Result(
        feed.format, phase, m.seconds, m.cpu_seconds, rows, m.peak_rss_mb, floor_seconds, check
    )


def _floor_once(feed: FeedFiles, variant: str, dbs: stores.Databases) -> Measured:
    """Measure the floor of one file on a fresh database of its own."""
    url = dbs.create(f"floor_{feed.format}")
    try:
        return measure("floor", str(feed.paths[variant]), "--format", feed.format, url=dbs.raw(url))
    finally:
        dbs.drop(url)


def _floor(feed: FeedFiles, variant: str, dbs: stores.Databases) -> Measured:
    """The fastest of a few floor runs: a lower bound, so noise must not raise it."""
    runs = [_floor_once(feed, variant, dbs)]
    while len(runs) < FLOOR_RUNS and sum(m.seconds for m in runs) < FLOOR_BUDGET and runs[-1].ok:
        runs.append(_floor_once(feed, variant, dbs))
    return min(runs, key=lambda m: (not m.ok, m.seconds))


def _phase(feed: FeedFiles, phase: str, store: str, floor: Measured) -> Result:
    """Measure one import phase and check the store afterwards."""
    variant = PHASES[phase]
    m = measure("import", str(feed.paths[variant]), "--format", feed.format, url=store)
    if not m.ok or m.output is None:
        check = _failed(f"{phase} import", m)
    else:
        check = import_check(feed.expected[phase], m.output, stores.counts(store))
    return _result(feed, phase, m, floor, floor_check(check, feed.rows[variant], floor))


def _parse_only(feed: FeedFiles, floor: Measured) -> Result:
    """Measure the reader alone over the base file (its peak memory is the point)."""
    m = measure("parse", str(feed.paths["base"]), "--format", feed.format)
    if not m.ok or m.output is None:
        return _result(feed, "parse_only", m, floor, _failed("parse", m))
    return _result(feed, "parse_only", m, floor, parse_check(feed.parts["base"], m.output))


def run_format(feed: FeedFiles, dbs: stores.Databases, say: Say) -> list[Result]:
    """All measurements of one format, in a fresh store of its own."""
    floors = {v: _floor(feed, v, dbs) for v in VARIANTS}
    base, changed = floors["base"].seconds, floors["changed"].seconds
    say(f"{feed.format}: floor {base:.2f} s (base feed), {changed:.2f} s (changed feed)")
    results: list[Result] = []
    store = dbs.create(f"store_{feed.format}")
    try:
        stores.prepare(store)
        for phase, variant in PHASES.items():
            results.append(_phase(feed, phase, store, floors[variant]))
            say(f"{feed.format}: {phase} {results[-1].seconds:.2f} s")
    finally:
        dbs.drop(store)
    if FORMATS[feed.format].parse_only:
        results.append(_parse_only(feed, floors["base"]))
        say(f"{feed.format}: parse_only {results[-1].seconds:.2f} s")
    return results


def run(options: Options, say: Say) -> tuple[FeedSet, list[Result]]:
    """Generate (or reuse) the feeds, then measure every format."""
    with tempfile.TemporaryDirectory(prefix="rostergate-bench-") as tmp:
        root = options.keep or Path(tmp) / "feeds"
        say(f"generating size {options.size.name} (seed {options.seed}) in {root}")
        feeds = generate(options.size, options.seed, root, options.formats)
        how = "reused" if feeds.reused else f"generated in {feeds.seconds:.1f} s"
        say(f"feeds {how}: {feeds.folder}")
        dbs = stores.databases(options.database, Path(tmp))
        results: list[Result] = []
        for fmt in options.formats:
            results += run_format(feeds.feeds[fmt], dbs, say)
    return feeds, results
