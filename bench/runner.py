"""Run the benchmark: per format, the three import phases, each interleaved with its floor.

Every measurement is a process of its own (see ``bench.proc``): the initial
import into an empty store, a re-import of the same feed, a re-import of the
changed feed, and for IMS the reader alone. Each phase and its floor (see
``bench.floor``) run ``Options.runs`` times (3 unless told), interleaved (floor,
phase, floor, phase …), so a noisy neighbour weighs on both, and the fastest of
each counts. Initial runs start from fresh databases; changed runs from copies of
the databases that hold the base feed; unchanged runs repeat on the same ones
(they change nothing).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import stores
from bench.checks import failure, floor_check, import_check, parse_check
from bench.floor import FLOOR_KINDS
from bench.formats import FORMATS
from bench.generate import FeedFiles, FeedSet, generate
from bench.proc import Measured, measure
from bench.sizes import Size

# phase → the feed it imports
PHASES = {"initial": "base", "unchanged": "base", "changed_1pct": "changed"}
Say = Callable[[str], None]
# Every phase and its floor run this often, interleaved; the fastest of each counts.
RUNS = 3


@dataclass(frozen=True)
class Options:
    """What to measure."""

    size: Size
    formats: list[str]
    database: str | None = None  # a PostgreSQL admin URL; None: SQLite files
    seed: int = 1
    keep: Path | None = None  # keep (and reuse) the generated feeds here
    runs: int = RUNS  # of each phase and its floor; fewer only for a size too big to repeat


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
    floor_kind: str  # what the floor did: insert, sync (read back, write what differs), parse
    checks: dict[str, Any]
    # The slowest runs of the phase and of its floor: the spread the best ones hide.
    spread: tuple[float, float] = (0.0, 0.0)

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
            "cpu_seconds": round(self.cpu_seconds, 3),
            "rows": self.rows,
            "rows_per_s": round(self.rows / self.seconds) if self.seconds else None,
            "peak_rss_mb": self.peak_rss_mb,
            "floor_seconds": round(self.floor_seconds, 3) if self.floor_seconds else None,
            "ratio": self.ratio,
            "floor_kind": self.floor_kind,
            "checks": self.checks,
        }


Run = tuple[Measured, Measured, dict[str, Any]]  # the floor, the phase, the phase's checks


def _combined(runs: list[Run]) -> dict[str, Any]:
    """One check for every run of a phase: ok only when each run was, with all they found."""
    mismatches = list(dict.fromkeys(m for _, _, check in runs for m in check["mismatches"]))
    return {**runs[-1][2], "ok": not mismatches, "mismatches": mismatches}


def _fastest(measured: list[Measured]) -> Measured:
    """The fastest clean run: a noisy neighbour only ever slows a run down."""
    return min(measured, key=lambda m: (not m.ok, m.seconds))


def _result(feed: FeedFiles, phase: str, runs: list[Run]) -> Result:
    """A phase's result from its interleaved runs: best of each side, the highest peak."""
    floor, best = _fastest([f for f, _, _ in runs]), _fastest([m for _, m, _ in runs])
    peak = max(m.peak_rss_mb for _, m, _ in runs)
    return Result(
        feed.format,
        phase,
        best.seconds,
        best.cpu_seconds,
        feed.rows[PHASES.get(phase, "base")],
        peak,
        floor.seconds if floor.ok else None,
        FLOOR_KINDS[phase],
        _combined(runs),
        (max(m.seconds for _, m, _ in runs), max(f.seconds for f, _, _ in runs)),
    )


def _pair(feed: FeedFiles, phase: str, floor_url: str, store: str, dbs: stores.Databases) -> Run:
    """The floor of a phase, then the phase itself, each on its own database, checked."""
    path = str(feed.paths[PHASES[phase]])
    kind = FLOOR_KINDS[phase]
    floor = measure("floor", path, "--format", feed.format, "--floor", kind, url=dbs.raw(floor_url))
    m = measure("import", path, "--format", feed.format, url=store)
    if not m.ok or m.output is None:
        return floor, m, floor_check(_failed(f"{phase} import", m), floor, None)
    counts = stores.counts(store)
    check = import_check(feed.expected[phase], m.output, counts)
    return floor, m, floor_check(check, floor, counts)


def _parse_only(feed: FeedFiles) -> Run:
    """The reader alone over the base file (its peak memory is the point), after its floor."""
    path = str(feed.paths["base"])
    floor = measure("floor", path, "--format", feed.format, "--floor", "parse")
    m = measure("parse", path, "--format", feed.format)
    if not m.ok or m.output is None:
        return floor, m, floor_check(_failed("parse", m), floor, None)
    return floor, m, floor_check(parse_check(feed.parts["base"], m.output), floor, None)


def _initial(feed: FeedFiles, dbs: stores.Databases, runs: int) -> tuple[list[Run], str, str]:
    """The initial runs, each into fresh databases; the last run's floor and store are kept."""
    done: list[Run] = []
    kept: tuple[str, str] | None = None
    for _ in range(runs):
        if kept:
            for url in kept:
                dbs.drop(url)
        kept = dbs.create(f"floor_{feed.format}"), dbs.create(f"store_{feed.format}")
        stores.prepare(kept[1])
        done.append(_pair(feed, "initial", *kept, dbs))
    assert kept is not None
    return done, *kept


def _changed(
    feed: FeedFiles, floor_url: str, store: str, dbs: stores.Databases, runs: int
) -> list[Run]:
    """The changed runs, each on copies of the databases that hold the base feed."""
    done: list[Run] = []
    for _ in range(runs):
        copies = (
            dbs.copy(floor_url, f"floor_{feed.format}"),
            dbs.copy(store, f"store_{feed.format}"),
        )
        try:
            done.append(_pair(feed, "changed_1pct", *copies, dbs))
        finally:
            for url in copies:
                dbs.drop(url)
    return done


def run_format(feed: FeedFiles, dbs: stores.Databases, say: Say, runs: int = RUNS) -> list[Result]:
    """Every phase of one format, each run interleaved with its floor: floor, phase, floor…"""

    def done(phase: str, runs: list[Run]) -> Result:
        # Said as each phase ends, so a long run shows (and a stopped one keeps) what it found.
        r = _result(feed, phase, runs)
        floor = f"{r.floor_seconds:.2f} s" if r.floor_seconds else "failed"
        say(
            f"{feed.format}: {r.phase} {r.seconds:.2f} s (slowest {r.spread[0]:.2f}, "
            f"cpu {r.cpu_seconds:.2f}, peak {r.peak_rss_mb:.0f} MB), "
            f"floor ({r.floor_kind}) {floor} (slowest {r.spread[1]:.2f})"
        )
        return r

    initial, floor_url, store = _initial(feed, dbs, runs)
    results = [done("initial", initial)]
    try:
        unchanged = [_pair(feed, "unchanged", floor_url, store, dbs) for _ in range(runs)]
        results.append(done("unchanged", unchanged))
        results.append(done("changed_1pct", _changed(feed, floor_url, store, dbs, runs)))
    finally:
        for url in (floor_url, store):
            dbs.drop(url)
    if FORMATS[feed.format].parse_only:
        results.append(done("parse_only", [_parse_only(feed) for _ in range(runs)]))
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
            results += run_format(feeds.feeds[fmt], dbs, say, options.runs)
    return feeds, results
