"""The checks fail loudly: held runs, skipped records, errors and wrong counts are failures."""

from __future__ import annotations

import copy
from typing import Any

from bench.checks import floor_check, import_check
from bench.expect import ACTIONS, ENTITIES
from bench.generate import FeedSet
from bench.proc import Measured


def _ran(expected: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The output and store counts of a run that did exactly what was expected."""
    counts = {e: {**expected["report"][e], "unchanged": 0, "skipped": 0} for e in ENTITIES}
    output: dict[str, Any] = {
        "state": "applied",
        "held": None,
        "counts": counts,
        "issues": {},
        "errors": [],
    }
    return output, copy.deepcopy(expected["store"])


def test_a_run_that_did_what_was_expected_passes(feeds: FeedSet) -> None:
    expected = feeds.feeds["ims"].expected["changed_1pct"]
    check = import_check(expected, *_ran(expected))
    assert check["ok"] and check["mismatches"] == []
    assert set(check["actual"]["report"]["accounts"]) == {*ACTIONS, "skipped"}


def test_a_held_run_is_a_generator_bug(feeds: FeedSet) -> None:
    expected = feeds.feeds["ims"].expected["changed_1pct"]
    output, store = _ran(expected)
    output["state"] = "held"
    output["held"] = {"threshold": 0.1, "reasons": []}
    check = import_check(expected, output, store)
    assert not check["ok"]
    assert "held for approval (exit code 3)" in check["mismatches"][0]


def test_skips_errors_and_counts_that_differ_are_named(feeds: FeedSet) -> None:
    expected = feeds.feeds["csv"].expected["initial"]
    output, store = _ran(expected)
    output["counts"]["accounts"]["skipped"] = 2
    output["issues"] = {"error:username_taken": 2}
    store["memberships"] += 1
    store["accounts"] = {"active": store["accounts"]["active"] - 2}
    mismatches = import_check(expected, output, store)["mismatches"]
    assert "report accounts skipped: expected 0, got 2" in mismatches
    assert any(m.startswith("error issues {'error:username_taken': 2}") for m in mismatches)
    assert any(m.startswith("store memberships: expected") for m in mismatches)
    assert any(m.startswith("store accounts: expected") for m in mismatches)


def test_the_floor_must_insert_the_feeds_rows() -> None:
    check: dict[str, Any] = {"ok": True, "mismatches": []}
    floor = Measured(0.1, 0.1, 20.0, 0, {"rows": 99}, "")
    assert floor_check(check, 100, floor)["mismatches"] == ["floor rows: expected 100, got 99"]
    crashed = Measured(0.1, 0.1, 20.0, 1, None, "Traceback …\nOperationalError: disk full")
    failed = floor_check({"ok": True, "mismatches": []}, 100, crashed)
    assert not failed["ok"] and "disk full" in failed["mismatches"][0]
