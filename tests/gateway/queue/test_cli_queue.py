"""`rostergate import --queue` queues a run and prints its id; `rostergate worker` runs it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import Cli


def feed(tmp_path: Path) -> Path:
    """A small CSV feed of two pupils."""
    path = tmp_path / "elever.csv"
    path.write_text("ID;Fornavn;Etternavn\n1;Ada;Berg\n2;Bo;Li\n", encoding="utf-8")
    return path


def test_import_queue_prints_the_run_and_a_worker_applies_it(cli: Cli, tmp_path: Path) -> None:
    queued = cli("import", feed(tmp_path), "--school", "Nordby skole", "--role", "elev", "--queue")
    assert queued.code == 0, queued.err
    run = int(queued.out)
    listed = cli.json("runs")
    assert [(r["run"], r["state"], r["origin"], r["file"]) for r in listed] == [
        (run, "queued", "cli", "elever.csv")
    ]
    assert listed[0]["progress"] == {
        "phase": "queued",
        "read": 0,
        "total": None,
        "heartbeat_at": None,
    }
    assert cli.json("report", str(run))["progress"]["phase"] == "queued"
    assert cli.json("list", "accounts") == []

    worked = cli("worker", "--drain")

    assert (worked.code, worked.out) == (0, f"run {run}: applied\n")
    report = cli.json("report", str(run))
    assert (report["state"], report["counts"]["accounts"]["created"]) == ("applied", 2)
    assert "progress" not in report
    assert sorted(a["username"] for a in cli.json("list", "accounts")) == ["AdBe", "BoLi"]


def test_a_queued_preview_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    args = ("import", feed(tmp_path), "--school", "Nordby skole", "--role", "elev")
    queued = cli.json(*args, "--queue", "--dry-run")
    assert queued["state"] == "queued"
    worked = cli("worker", "--drain", "--json")
    report = json.loads(worked.out)
    assert (report["run"], report["state"]) == (queued["run"], "previewed")
    assert report["counts"]["accounts"]["created"] == 2
    assert cli.json("list", "accounts") == []


def test_the_queued_input_is_a_copy(cli: Cli, tmp_path: Path) -> None:
    path = feed(tmp_path)
    run = cli.json("import", path, "--school", "Nordby skole", "--role", "elev", "--queue")["run"]
    path.write_text("ID;Fornavn;Etternavn\n9;Changed;Later\n", encoding="utf-8")
    cli("worker", "--drain")
    assert cli.json("report", str(run))["counts"]["accounts"]["created"] == 2
