"""Every case of the hostile corpus, on SQLite and PostgreSQL: the outcome it must have.

A failed run leaves every table but the run log exactly as it was. A run with
row-level damage applies, reports the damage, and leaves every pupil of the good
feed active: a damaged feed never reads as people leaving.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from gateway.store.models import Base
from tests.hostile.corpus import CASES, GOOD, Case
from tests.support.cli import Cli

RUN_LOG = {"import_runs", "run_issues"}


def _options(case: Case) -> list[str]:
    """What the import command needs besides the file."""
    extra = ["--school", "Nordby skole", "--role", "elev"] if case.format == "csv" else []
    return ["--format", case.format, *extra]


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the run log, sorted: the store's whole content."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(map(tuple, conn.execute(select(table))), key=repr)
                for table in Base.metadata.sorted_tables
                if table.name not in RUN_LOG
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_case(cli: Cli, database_url: str, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    good = cli("import", GOOD[case.format](tmp_path / "good"), *_options(case), "--json")
    assert good.code == 0, good.out
    active = {a["sync_key"] for a in cli.json("list", "accounts") if a["status"] == "active"}
    before = tables(database_url)

    result = cli("import", case.build(tmp_path), *_options(case), "--json")

    assert "Traceback" not in result.err
    assert result.code == case.exit, result.out + result.err
    report = result.json()
    assert report["state"] == case.state
    codes = [issue["code"] for issue in report["issues"]]
    if case.state == "failed":
        assert codes == [case.issue]
        assert tables(database_url) == before
    else:
        assert not case.issue or case.issue in codes
        still = {a["sync_key"] for a in cli.json("list", "accounts") if a["status"] == "active"}
        assert active <= still
