"""What a large run holds: no index of stored rows a column-wise plan never reads; freed
memory handed back between phases."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import memory
from gateway.sync.state import StoredMemberships
from tests.gateway.sync.test_plan_columns import (
    CLASS_KEYS,
    ROWS_PATH,
    USER_KEYS,
    _package,
    _planned,
    _store,
)
from tests.support.cli import Cli

MEMBERS = [("u0", "k1", "student", "sync", None), ("u1", "k2", "student", "sync", None)]


def _clean_package(folder: Path) -> Path:
    rows = [{"key": "e", "status": "", "user": u, "class": k, "school": "S1", "role": "student",
             "primary": "", "end": ""} for u in USER_KEYS for k in CLASS_KEYS]  # fmt: skip
    return _package(folder, rows, bom=False, inner_bom=False)


def test_a_column_wise_plan_builds_no_index_of_the_stored_rows(tmp_path: Path) -> None:
    store = _store(MEMBERS)
    the_plan, batched = _planned(_clean_package(tmp_path), store, 0)
    assert batched
    assert the_plan.counts()["memberships"]["unchanged"] == 2
    assert the_plan.counts()["memberships"]["created"] == 16
    assert store.snapshot.memberships._positions is None  # a million rows: 100 MB not spent


def test_the_row_path_builds_the_index_and_finds_the_stored_rows(tmp_path: Path) -> None:
    store = _store(MEMBERS)
    the_plan, batched = _planned(_clean_package(tmp_path), store, ROWS_PATH)
    assert not batched
    assert the_plan.counts()["memberships"]["unchanged"] == 2
    assert len(store.snapshot.memberships.positions) == 2


def test_rows_added_after_the_index_is_built_are_found() -> None:
    stored = StoredMemberships(["student"])
    stored.extend([(1, 10, "student", 100)])
    assert stored.find(1, 10, "student") == 0  # builds the index
    stored.extend_packed([[((2 << 36) | (10 << 6), 101)]])
    stored.add(3, 10, "teacher", 102, origin="manual")
    assert stored.find(2, 10, "student") == 1
    assert stored.find(3, 10, "teacher") == 2
    assert stored.find(4, 10, "student") is None
    assert stored.at(2).origin == "manual"


def test_an_import_hands_freed_memory_back_after_reading_and_after_planning(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(memory, "release", lambda: calls.append("release"))
    feed = tmp_path / "students.csv"
    feed.write_text("Synkroniseringsnøkkel;Fornavn;Etternavn;Trinn;Klasse\n1;Ola;Nor;8;8A\n")
    report = cli.json("import", feed, "--format", "csv", "--school", "Nordby skole",
                      "--role", "elev")  # fmt: skip
    assert report["state"] == "applied"
    assert report["counts"]["accounts"]["created"] == 1
    assert calls == ["release", "release"]


def test_the_allocator_calls_are_safe_to_repeat() -> None:
    memory.steady_threshold()
    memory.steady_threshold()
    memory.release()
    memory.release()
