"""Compare what a phase did with what the generator said it would: loudly, as data."""

from __future__ import annotations

from typing import Any

from bench.expect import ACTIONS, ENTITIES
from bench.floor import store_rows as floor_rows
from bench.proc import Measured

Check = dict[str, Any]
# The store's plain counts a floor must match (accounts are summed over their statuses).
ROW_COUNTS = (
    "nodes",
    "nodes_active",
    "groups",
    "groups_active",
    "placements",
    "memberships",
    "guardian_links",
)


def _differ(where: str, expected: Any, actual: Any, out: list[str]) -> None:
    """Note a mismatch between two values."""
    if expected != actual:
        out.append(f"{where}: expected {expected}, got {actual}")


def _zero_filled(expected: dict[str, int], actual: dict[str, int]) -> tuple[dict[str, int], ...]:
    """Both counts with the keys of either (a missing key counts 0)."""
    keys = sorted(expected.keys() | actual.keys())
    return {k: expected.get(k, 0) for k in keys}, {k: actual.get(k, 0) for k in keys}


def _state(output: dict[str, Any], out: list[str]) -> None:
    """A run must be applied: held (exit 3) or failed means the generator or engine is wrong."""
    state = output["state"]
    if state == "held":
        out.append(
            f"run held for approval (exit code 3): the changed feed trips a removal threshold, "
            f"which is a generator bug: {output['held']}"
        )
    elif state != "applied":
        out.append(f"run {state}: {output.get('error') or 'no error given'}")
    errors = {k: v for k, v in output["issues"].items() if k.startswith("error:")}
    if errors:
        out.append(f"error issues {errors}, e.g. {output['errors']}")


def import_check(expected: dict[str, Any], output: dict[str, Any], store: dict[str, Any]) -> Check:
    """Report counts, skips and the store's counts against the generator's expectation."""
    mismatches: list[str] = []
    _state(output, mismatches)
    report = {e: {a: output["counts"][e][a] for a in (*ACTIONS, "skipped")} for e in ENTITIES}
    for entity in ENTITIES:
        for action in ACTIONS:
            _differ(
                f"report {entity} {action}",
                expected["report"][entity][action],
                report[entity][action],
                mismatches,
            )
        _differ(f"report {entity} skipped", 0, report[entity]["skipped"], mismatches)
    want = expected["store"]
    for name in ("accounts", "profiles"):
        wanted, got = _zero_filled(want[name], store[name])
        _differ(f"store {name}", wanted, got, mismatches)
    for name in (
        "nodes",
        "nodes_active",
        "groups",
        "groups_active",
        "memberships",
        "guardian_links",
    ):
        _differ(f"store {name}", want[name], store[name], mismatches)
    actual = {"report": report, "store": store}
    return {"ok": not mismatches, "mismatches": mismatches, "expected": expected, "actual": actual}


def parse_check(parts: dict[str, int], output: dict[str, Any]) -> Check:
    """The IMS reader's records against what the generator wrote."""
    records = output["records"]
    expected = {
        "persons": parts["persons"],
        "groups": parts["groups"],
        "memberships": parts["members"],
        "guardian_links": parts["links"],
        "errors": 0,
    }
    actual = {
        "persons": records.get("Person", 0),
        "groups": records.get("Org", 0) + records.get("Group", 0),
        "memberships": records.get("Membership", 0),
        "guardian_links": records.get("GuardianLink", 0),
        "errors": records.get("errors", 0),
    }
    mismatches: list[str] = []
    for name, value in expected.items():
        _differ(f"records {name}", value, actual[name], mismatches)
    return {"ok": not mismatches, "mismatches": mismatches, "expected": expected, "actual": actual}


def failure(what: str, m: Measured) -> str:
    """Why a measured process failed: its exit code and the end of what it printed."""
    tail = "\n".join(m.stderr.strip().splitlines()[-15:])
    return f"{what} process exited with {m.code}: {tail or 'no output'}"


def store_rows(store: dict[str, Any]) -> dict[str, int]:
    """The store's rows per entity, in the shape of ``bench.floor.store_rows``."""
    rows = {name: store[name] for name in ROW_COUNTS if name in store}
    return {
        "accounts": sum(store["accounts"].values()),
        "accounts_active": store["accounts"].get("active", 0),
        **rows,
    }


def floor_check(check: Check, floor: Measured, store: dict[str, Any] | None) -> Check:
    """The floor must leave the rows the import's store holds, or the ratio compares unlike work.

    ``store`` is None for a floor held against no store (the reader alone).
    """
    if not floor.ok or floor.output is None:
        check["mismatches"].append(failure("floor", floor))
    elif store is not None:
        want, got = store_rows(store), floor_rows(floor.output["entities"])
        for name, count in want.items():
            _differ(f"floor {name}", count, got[name], check["mismatches"])
    check["ok"] = not check["mismatches"]
    return check
