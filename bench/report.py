"""The benchmark's output: the JSON document, or a table people read."""

from __future__ import annotations

from typing import Any

from bench.generate import FeedSet
from bench.runner import Result

# (JSON key or Result attribute, column title): the table shows the child's CPU time too.
COLUMNS = (
    ("format", "format"),
    ("phase", "phase"),
    ("rows", "rows"),
    ("seconds", "seconds"),
    ("cpu_seconds", "cpu s"),
    ("rows_per_s", "rows/s"),
    ("peak_rss_mb", "peak MB"),
    ("floor_kind", "floor"),
    ("floor_seconds", "floor s"),
    ("ratio", "x floor"),
)


def as_json(size: str, database: str, results: list[Result]) -> dict[str, Any]:
    """The document ``--json`` prints."""
    return {"size": size, "database": database, "results": [r.as_json() for r in results]}


def _cell(value: Any) -> str:
    """A number as the table shows it."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _about(feeds: FeedSet) -> str:
    """One paragraph on what was generated."""
    s = feeds.summary
    roles = s["roles"]
    how = "reused from" if feeds.reused else f"generated in {feeds.seconds:.1f} s into"
    return (
        f"Feeds {how} {feeds.folder}\n"
        f"  {s['people']:,} people ({roles.get('student', 0):,} students, "
        f"{roles.get('teacher', 0) + roles.get('principal', 0):,} staff), "
        f"{roles.get('guardian', 0):,} guardians, {s['schools']} schools, {s['groups']:,} groups "
        f"({s['classes']:,} classes), {s['memberships']:,} memberships, "
        f"{s['guardian_links']:,} guardian links\n"
        f"  changed variant: {s['changed_people_share']:.2%} of persons and "
        f"{s['changed_memberships_share']:.2%} of memberships changed {s['changes']}"
    )


def _row(result: Result) -> list[str]:
    """One result's cells."""
    shown = result.as_json()
    return [_cell(shown[key]) for key, _ in COLUMNS] + ["ok" if result.checks["ok"] else "FAILED"]


def table(feeds: FeedSet, database: str, results: list[Result]) -> str:
    """The results as an aligned table, with what failed below it."""
    header = [title for _, title in COLUMNS] + ["checks"]
    rows = [_row(r) for r in results]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i > 1 else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    title = (
        f"rostergate bench: size {feeds.summary['size']}, seed {feeds.summary['seed']}, {database}"
    )
    notes = (
        "rows: records in the feed; seconds: wall time of the phase's process; cpu s: its "
        "user+system time; floor: what the floor did (insert: parse and insert the store's rows; "
        "sync: parse, read them back, write what differs; parse: parse alone); "
        "x floor: seconds / the floor's seconds (each the best of its interleaved runs)"
    )
    return "\n".join([title, _about(feeds), "", *lines, "", notes])


def failures(results: list[Result]) -> list[str]:
    """One block per failed result: what differed."""
    return [
        f"FAILED {r.format} {r.phase}:\n  " + "\n  ".join(r.checks["mismatches"])
        for r in results
        if not r.checks["ok"]
    ]
