"""`rostergate bench` at size S, end to end: every phase's store matches the generator's word.

Correctness only: the timings vary from machine to machine and are never asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import cli, runner
from bench.generate import folder_for, generate
from bench.proc import Measured
from bench.sizes import SIZES
from bench.stores import Postgres
from gateway.cli import main

RESULT_KEYS = {
    "format", "phase", "seconds", "cpu_seconds", "rows", "rows_per_s", "peak_rss_mb",
    "floor_seconds", "ratio", "floor_kind", "checks",
}  # fmt: skip
FLOOR_KINDS = {
    "initial": "insert",
    "unchanged": "sync",
    "changed_1pct": "sync",
    "parse_only": "parse",
}
PHASES = ["initial", "unchanged", "changed_1pct"]


def test_every_format_on_sqlite(
    feeds_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    # best-of-3 is for measuring; once proves it works
    code = main(["bench", "--size", "S", "--runs", "1", "--json", "--keep", str(feeds_root)])
    out, err = capfd.readouterr()
    assert code == 0, err
    document = json.loads(out)
    assert set(document) == {"size", "database", "results"}
    assert (document["size"], document["database"]) == ("S", "sqlite")
    results = document["results"]
    assert [(r["format"], r["phase"]) for r in results] == [
        *(("oneroster", p) for p in PHASES),
        *(("ims", p) for p in [*PHASES, "parse_only"]),
        *(("csv", p) for p in PHASES),
    ]
    for r in results:
        assert set(r) == RESULT_KEYS
        assert r["checks"]["ok"], r["checks"]["mismatches"]
        assert r["seconds"] > 0 and r["floor_seconds"] > 0 and r["peak_rss_mb"] > 0
        assert r["cpu_seconds"] > 0
        assert r["floor_kind"] == FLOOR_KINDS[r["phase"]]
    changed = next(r for r in results if (r["format"], r["phase"]) == ("ims", "changed_1pct"))
    assert changed["checks"]["actual"]["report"]["accounts"]["expired"] > 0


def test_postgresql(
    feeds_root: Path, postgres_admin_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "--runs",
            "1",
            "--size",
            "S",
            "--format",
            "ims",
            "--database",
            postgres_admin_url,
            "--json",
            "--keep",
            str(feeds_root),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)
    assert document["database"].startswith("postgresql")
    assert [r["phase"] for r in document["results"]] == [*PHASES, "parse_only"]
    assert all(r["checks"]["ok"] for r in document["results"])
    assert _bench_databases(postgres_admin_url) == []  # every one it made is dropped


def _bench_databases(admin_url: str) -> list[str]:
    """The databases the benchmark left on the server."""
    import psycopg

    with psycopg.connect(Postgres(admin_url).raw(admin_url)) as db:
        rows = db.execute("SELECT datname FROM pg_database WHERE datname LIKE 'rg_bench_%'")
        return [name for (name,) in rows]


def test_each_phase_runs_interleaved_with_its_floor(
    feeds_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []
    measure = runner.measure

    def recording(*args: str, url: str = "") -> Measured:
        seen.append(f"floor {args[-1]}" if args[0] == "floor" else f"import {Path(args[1]).stem}")
        return measure(*args, url=url)

    monkeypatch.setattr(runner, "measure", recording)
    argv = ["--format", "csv", "--runs", "2", "--keep", str(feeds_root), "--json"]
    assert cli.main(argv) == 0
    assert seen == [
        *["floor insert", "import csv-base"] * 2,
        *["floor sync", "import csv-base"] * 2,
        *["floor sync", "import csv-changed"] * 2,
    ]
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["floor_kind"] for r in results] == ["insert", "sync", "sync"]
    assert all(r["checks"]["ok"] for r in results)


def test_a_store_that_differs_from_the_generator_fails_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(SIZES["S"], 1, tmp_path, ["csv"])
    record = folder_for(tmp_path, SIZES["S"], 1) / "csv.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    data["expected"]["changed_1pct"]["store"]["memberships"] += 1
    record.write_text(json.dumps(data), encoding="utf-8")
    assert cli.main(["--format", "csv", "--runs", "1", "--keep", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "FAILED" in out
    assert "FAILED csv changed_1pct" in err
    assert "store memberships: expected" in err
