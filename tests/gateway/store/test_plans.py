"""Kept plans are data: every real plan comes back exactly; another version's plan is refused."""

from __future__ import annotations

import json
import pickle
import zlib
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from gateway.errors import ConflictError
from gateway.store import models as m
from gateway.store import plans
from gateway.sync.changes import Changes, Plan
from mapping.records import RowIssue
from tests.support.cli import Cli
from tests.support.fixtures import EXTERNAL
from tests.support.packages import nordby

CATALYST = EXTERNAL / "oneroster" / "catalyst-moodle-enrol-oneroster"
IMS = EXTERNAL / "ims"
DUMP = plans.dump  # the real one, as the tests below watch plans.dump


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> list[Plan]:
    """Every plan a run stores, as the run made it."""
    seen: list[Plan] = []

    def keep(plan: Plan) -> bytes:
        seen.append(plan)
        return DUMP(plan)

    monkeypatch.setattr(plans, "dump", keep)
    return seen


def assert_round_trip(plan: Plan) -> None:
    """The plan comes back equal, and of the same types all the way down."""
    back = plans.load(DUMP(plan))
    assert back == plan
    assert repr(back) == repr(plan)  # a tuple stays a tuple, a date a date


def ok(cli: Cli, *args: object) -> None:
    """Run a command that must not fail."""
    result = cli(*args)
    assert result.code in (0, 3), result.err


def test_oneroster_plans_round_trip(cli: Cli, tmp_path: Path, kept: list[Plan]) -> None:
    for package in ("Test_full_data_set.zip", "v1p2_full_dataset.zip"):
        ok(cli, "import", CATALYST / package, "--format", "oneroster", "--dry-run")
    world = nordby(10)
    ok(cli, "import", world.write(tmp_path / "first"))
    changed = world.changed("P1", email="ase@nordby.no", given="Åsa").without("P9")
    ok(cli, "import", changed.write(tmp_path / "changed"), "--dry-run")
    ok(cli, "import", world.without("P1", "P2", "P3").write(tmp_path / "held"))  # held: stored
    assert len(kept) == 4
    assert any(p.changes["groups"].creates for p in kept)
    assert any(p.changes["accounts"].updates and p.changes["accounts"].removals for p in kept)
    assert kept[-1].held is not None
    for plan in kept:
        assert_round_trip(plan)


def test_ims_plans_round_trip(cli: Cli, tmp_path: Path, kept: list[Plan]) -> None:
    (tmp_path / "rostergate.toml").write_text("[sources.moodle]\nremoval_threshold = 0.5\n")
    ok(cli, "import", IMS / "PIFU-IMS_SAS_eksempel.xml", "--dry-run")
    ok(cli, "import", IMS / "example.xml", "--source", "moodle")
    ok(cli, "import", IMS / "example-grouped.xml", "--source", "moodle", "--dry-run")
    assert len(kept) == 2
    dated = kept[-1].changes["memberships"].updates
    assert any(isinstance(new, date) for _, _, diff in dated for _, new in diff.values())
    assert kept[-1].changes["groups"].removals and kept[-1].changes["memberships"].removals
    for plan in kept:
        assert_round_trip(plan)


def test_every_kind_of_value_comes_back_as_it_went() -> None:
    changes = Changes(
        creates=[
            ("K1", "Fysikk", "subject", 3, "S1", None, ("FYS", "NAT"), date(2026, 8, 15), None)
        ],
        updates=[(7, "K2", {"subjects": ((), ("MAT",)), "end": (None, date(2027, 6, 20))})],
        removals=[(8, "a/b/c", "delete", {"begin_date": date(2026, 1, 1), "is_primary": True})],
        unchanged=4,
        skipped=1,
    )
    plan = Plan(
        1,
        42,
        {
            "groups": changes,
            "nodes": Changes(removals=[(1, "a", "delete", {}), (2, "b", "delete", {})]),
            "accounts": Changes(  # befores of two shapes are kept row by row
                removals=[(3, "P1", "expire", {"status": "active"}), (4, "P2", "expire", {})]
            ),
        },
        [RowIssue("error", "missing_value", "no role", "accounts", "P3", 7, "users.csv")],
        ["Nordby skole/8A"],
        Counter({"student": 10, "lærer": 1}),
        {"threshold": 0.1, "at": datetime(2026, 9, 1, 8, 0), "reasons": [{"of": 13}]},
    )
    assert_round_trip(plan)


def test_a_value_json_cannot_tell_apart_is_refused_not_stored_wrong() -> None:
    plan = Plan(1, 1, {"nodes": Changes(updates=[(1, "k", {"x": ({"$date": "1"}, None)})])})
    with pytest.raises(TypeError):
        plans.dump(plan)


@pytest.mark.parametrize(
    "stored",
    [
        zlib.compress(pickle.dumps(Plan(1, 1))),  # what the previous version kept
        zlib.compress(json.dumps({"format": 2, "source_id": 1}).encode()),
        b"not even compressed",
    ],
    ids=["pickle", "format 2", "garbage"],
)
def test_a_plan_of_another_version_is_refused(stored: bytes) -> None:
    with pytest.raises(ConflictError, match="another version of rostergate; import the feed"):
        plans.load(stored)


def test_approving_a_plan_of_another_version_says_import_again(
    cli: Cli, tmp_path: Path, engine: Engine
) -> None:
    world = nordby(10)
    ok(cli, "import", world.write(tmp_path / "first"))
    held = cli.json("import", world.without("P1", "P2", "P3").write(tmp_path / "held"))
    old = zlib.compress(pickle.dumps(Plan(1, 1)))
    with engine.begin() as conn:
        conn.execute(update(m.ImportRun).where(m.ImportRun.id == held["run"]).values(plan=old))
    refused = cli("approve", held["run"])
    assert refused.code == 1
    assert refused.err.strip() == (
        f"rostergate: run {held['run']}: this plan was made by another version of rostergate; "
        "import the feed again for a fresh plan"
    )
    assert "Traceback" not in refused.err
    assert cli("changes", held["run"]).code == 1
    assert cli.json("discard", held["run"])["state"] == "discarded"
