"""`rostergate runs` shows each run's changes and issue totals."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli

FEED = (
    "ID;Fornavn;Etternavn;Skole;Rolle\n1;Ada;Berg;Nordby skole;elev\n2;Bo;Dahl;Nordby skole;pirat\n"
)


def test_runs_shows_counts_and_issue_totals(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    assert cli("import", tmp_path / "feed.csv").code == 0
    [row] = cli.json("runs")
    assert row["issues"] == {"error": 1}
    assert row["counts"]["accounts"]["created"] == 1
    header, _, line = cli("runs").out.splitlines()
    totals = ["created", "updated", "removed", "errors", "warnings"]
    assert header.split()[-6:] == [*totals, "progress"]  # a finished run shows no progress
    assert line.split()[-5:] == ["2", "0", "0", "1", "0"]  # the account and its school
