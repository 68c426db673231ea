"""Human-readable output: reports, run lists and tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gateway.sync import safety
from gateway.sync.report import COUNT_KEYS, Report

STATE_WORDS = {
    "previewed": "previewed (dry run): nothing was written",
    "applied": "applied",
    "held": "HELD for approval: nothing was written",
    "failed": "FAILED: nothing was written",
    "discarded": "discarded: nothing was written",
}


def dump(data: Any) -> str:
    """JSON as the CLI prints it."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A plain text table with aligned columns."""
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(rep: Report) -> str:
    """A run's report the way an admin reads a preview: nodes, counts, issues."""
    out = [f"Run {rep.run}: {STATE_WORDS.get(rep.state, rep.state)}"]
    if rep.error:
        out.append(f"  {rep.error}")
    if rep.new_nodes:
        out += ["", "Hierarchy nodes:"] + [f"  {path}  (new)" for path in rep.new_nodes]
    if rep.state != "failed":
        rows = [[entity, *(counts[k] for k in COUNT_KEYS)] for entity, counts in rep.counts.items()]
        out += ["", table(rows, ["", *COUNT_KEYS])]
    if rep.held:
        would = "Would be held" if rep.state == "previewed" else "Held"
        out += ["", f"{would} for approval:", safety.describe(rep.held)]
        if rep.state == "held":
            out.append(
                f"Approve with `rostergate approve {rep.run}`, "
                f"or drop it with `rostergate discard {rep.run}`."
            )
    if rep.issues:
        out += ["", f"Issues ({len(rep.issues)}):"]
        for i in rep.issues:
            where = (
                f"{i.file}:{i.line}" if i.file and i.line else (f"line {i.line}" if i.line else "")
            )
            out.append(f"  {where:<18} {i.severity:<7} {i.code:<22} {i.key}  {i.message}".rstrip())
    return "\n".join(out)
