"""The report of a run: what admins read and what vendors' scripts parse (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapping.records import ENTITIES, RowIssue

COUNT_KEYS = ("created", "updated", "expired", "removed", "unchanged", "skipped")


def empty_counts() -> dict[str, dict[str, int]]:
    """Zero counts for every entity."""
    return {entity: dict.fromkeys(COUNT_KEYS, 0) for entity in ENTITIES}


@dataclass
class Report:
    """A run's outcome: state, counts per entity, issues, and why it was held."""

    run: int
    state: str
    counts: dict[str, dict[str, int]] = field(default_factory=empty_counts)
    issues: list[RowIssue] = field(default_factory=list)
    held: dict[str, Any] | None = None
    new_nodes: list[str] = field(default_factory=list)
    error: str = ""
    progress: dict[str, Any] | None = None  # a queued or running run's: see store.runs.progress

    def to_json(self) -> dict[str, Any]:
        """The report as DESIGN §5 lays it out."""
        data: dict[str, Any] = {
            "run": self.run,
            "state": self.state,
            "counts": self.counts,
            "issues": [issue_json(i) for i in self.issues],
            "held": self.held,
            "new_nodes": self.new_nodes,
        }
        if self.error:
            data["error"] = self.error
        if self.progress is not None:
            data["progress"] = self.progress
        return data


def issue_json(issue: RowIssue) -> dict[str, Any]:
    """One issue as JSON."""
    data: dict[str, Any] = {
        "severity": issue.severity,
        "code": issue.code,
        "entity": issue.entity,
        "key": issue.key,
        "line": issue.line,
        "file": issue.file,
        "message": issue.message,
    }
    if issue.skipped:  # the records of its entity it explains: counts.skipped is their sum
        data["skipped"] = issue.skipped
    return data
