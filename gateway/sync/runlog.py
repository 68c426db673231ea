"""One structured log line per finished run: who, what, counts, duration and state.

Every face reaches runs through ``gateway.sync.run``, which calls ``finished`` once a run
ends, so the line is written for CLI, pushed, uploaded and queued runs alike. The fields
ride on the log record: a JSON formatter prints them, and ``/metrics`` counts them.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.sync.report import Report

log = logging.getLogger("gateway.runs")


def records(counts: dict[str, dict[str, int]]) -> int:
    """How many records a run handled: every count of every entity."""
    return sum(sum(by_kind.values()) for by_kind in counts.values())


def finished(session: Session, report: Report, seconds: float) -> None:
    """Log one line saying how a run ended (its source, format and file read from the store)."""
    run = session.get(m.ImportRun, report.run)
    if run is None:  # the run's row is gone: there is nothing to say who it was
        return
    source = session.scalar(select(m.Source.name).where(m.Source.id == run.source_id))
    fields: dict[str, Any] = {
        "run": report.run,
        "source": source or "",
        "kind": run.kind,
        "format": run.format,
        "file": run.file,
        "dry_run": run.dry_run,
        "state": report.state,
        "seconds": round(seconds, 3),
        "records": records(report.counts),
        "counts": {entity: c for entity, c in report.counts.items() if any(c.values())},
        "issues": len(report.issues),
        "errors": sum(1 for issue in report.issues if issue.severity == "error"),
    }
    if report.error:
        fields["error"] = report.error
    log.info(
        "run %s %s: %s of %s from %s, %s records in %.1f s, %s issues",
        report.run,
        report.state,
        run.kind,
        run.file,
        fields["source"],
        fields["records"],
        seconds,
        fields["issues"],
        extra=fields,
    )
