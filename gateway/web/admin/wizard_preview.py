"""What the wizard shows of a settled run: the hierarchy it would make (new nodes marked),
its counts, and its issues with file and line, filtered by severity and words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.store import runs
from gateway.store.queries import node_paths
from mapping.records import RowIssue

ISSUES_SHOWN = 500  # the run review page pages through them all


def tree(existing: set[str], new: set[str]) -> list[dict[str, Any]]:
    """Paths (``School/8/8A``) as nested nodes, each new one marked, in natural order."""
    nodes: dict[str, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    for path in sorted(existing | new, key=lambda p: (p.count("/"), p.casefold())):
        parent, _, name = path.rpartition("/")
        node: dict[str, Any] = {"name": name, "path": path, "new": path in new, "children": []}
        nodes[path] = node
        (nodes[parent]["children"] if parent in nodes else top).append(node)
    for each in nodes.values():
        each["children"].sort(key=lambda n: n["name"].casefold())
    return sorted(top, key=lambda n: n["name"].casefold())


def hierarchy(session: Session, new_nodes: list[str]) -> list[dict[str, Any]]:
    """The hierarchy under the schools a run's new nodes are in, as it would be."""
    new = set(new_nodes)
    tops = {path.split("/")[0] for path in new}
    existing = {p for p in node_paths(session).values() if p.split("/")[0] in tops}
    return tree(existing, new)


def _fits(issue: RowIssue, severity: str, words: str) -> bool:
    """Whether an issue is of the severity asked for and says the words."""
    said = f"{issue.code} {issue.message} {issue.key} {issue.file}".casefold()
    return (not severity or issue.severity == severity) and (not words or words in said)


def preview(session: Session, run: m.ImportRun, query: Mapping[str, str]) -> dict[str, Any]:
    """A settled run's hierarchy, counts and (filtered) issues."""
    report = runs.report(session, run.id)
    severity, words = query.get("severity", ""), query.get("q", "").strip().casefold()
    issues = [i for i in report.issues if _fits(i, severity, words)]
    return {
        "report": report,
        "tree": hierarchy(session, report.new_nodes),
        "new_count": len(report.new_nodes),
        "issues": issues[:ISSUES_SHOWN],
        "issue_count": len(issues),
        "severity": severity,
        "q": query.get("q", ""),
    }
