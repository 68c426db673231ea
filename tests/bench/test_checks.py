"""The checks fail loudly: held runs, skipped records, errors and wrong counts are failures."""

from __future__ import annotations

import copy
from typing import Any

from bench.checks import floor_check, import_check, store_rows
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


def _floor(store: dict[str, Any]) -> Measured:
    """A floor that left exactly the rows of ``store``."""
    rows = store_rows(store)
    entities = {
        "accounts": {"total": rows["accounts"], "active": rows["accounts_active"]},
        **{e: {"total": rows[e], "active": rows[f"{e}_active"]} for e in ("nodes", "groups")},
        **{e: {"total": rows[e], "active": rows[e]} for e in (*ENTITIES[3:], "placements")},
    }
    return Measured(0.1, 0.1, 20.0, 0, {"entities": entities}, "")


def test_the_floor_must_leave_the_rows_the_store_holds(feeds: FeedSet) -> None:
    store = {**feeds.feeds["ims"].expected["changed_1pct"]["store"], "placements": 999}
    check = floor_check({"ok": True, "mismatches": []}, _floor(store), store)
    assert check["ok"], check["mismatches"]
    fewer = _floor({**store, "memberships": store["memberships"] - 1, "placements": 998})
    mismatches = floor_check({"ok": True, "mismatches": []}, fewer, store)["mismatches"]
    assert mismatches == [
        "floor placements: expected 999, got 998",
        f"floor memberships: expected {store['memberships']}, got {store['memberships'] - 1}",
    ]
    expired = {**store, "accounts": {**store["accounts"], "expired": 0}}
    assert floor_check({"ok": True, "mismatches": []}, _floor(store), expired)["mismatches"] == [
        f"floor accounts: expected {sum(expired['accounts'].values())}, "
        f"got {sum(store['accounts'].values())}"
    ]
    crashed = Measured(0.1, 0.1, 20.0, 1, None, "Traceback …\nOperationalError: disk full")
    failed = floor_check({"ok": True, "mismatches": []}, crashed, store)
    assert not failed["ok"] and "disk full" in failed["mismatches"][0]
