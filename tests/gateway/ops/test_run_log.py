"""One structured log line per run: JSON with --log-format json, plain text otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Cli

FEED = (
    "ID;Fornavn;Etternavn;Skole;Rolle\n1;Ada;Berg;Nordby skole;elev\n2;Bo;Dahl;Nordby skole;pirat\n"
)


def rostergate(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, so that it sets logging up as a real one does."""
    env = {**os.environ, "ROSTERGATE_DATABASE_URL": database_url}
    env.pop("ROSTERGATE_CONFIG", None)
    code = "import sys; from gateway.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_run_logs_one_json_line(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    done = rostergate(database_url, tmp_path, "--log-format", "json", "import", "feed.csv")
    assert done.returncode == 0, done.stderr
    [line] = done.stderr.splitlines()
    logged = json.loads(line)
    assert logged["logger"] == "gateway.runs" and logged["level"] == "INFO"
    assert {k: logged[k] for k in ("run", "source", "kind", "format", "file", "state")} == {
        "run": 1,
        "source": "csv",
        "kind": "import",
        "format": "csv",
        "file": "feed.csv",
        "state": "applied",
    }
    assert logged["counts"]["accounts"]["created"] == 1
    assert logged["counts"]["accounts"]["skipped"] == 1
    assert (logged["records"], logged["issues"], logged["errors"]) == (3, 1, 1)
    assert logged["seconds"] >= 0 and logged["time"].startswith("20")
    assert logged["message"].startswith("run 1 applied: import of feed.csv from csv, 3 records")


def test_the_line_is_plain_text_otherwise_and_quiet_without_verbose(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    quiet = rostergate(database_url, tmp_path, "import", "feed.csv")
    assert (quiet.returncode, quiet.stderr) == (0, "")
    told = rostergate(database_url, tmp_path, "-v", "import", "feed.csv", "--dry-run")
    [line] = [line for line in told.stderr.splitlines() if "gateway.runs" in line]
    assert line.startswith("INFO:gateway.runs:run 2 previewed: import of feed.csv from csv, 3 rec")
    assert line.endswith(" s, 1 issues")


def test_reverts_log_their_line_too(
    cli: Cli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    json_lines = ("--log-format", "json")  # the CLI sets the run log's level from this
    assert cli(*json_lines, "import", tmp_path / "feed.csv").code == 0
    assert cli(*json_lines, "revert", "1", "--dry-run").code == 0
    assert cli(*json_lines, "revert", "1").code == 0
    lines = [r for r in caplog.records if r.name == "gateway.runs"]
    assert [(r.__dict__["run"], r.__dict__["kind"], r.__dict__["state"]) for r in lines] == [
        (1, "import", "applied"),
        (2, "revert", "previewed"),
        (3, "revert", "applied"),
    ]
