"""History and undo end to end, on SQLite and PostgreSQL: every run's change log is complete,
a revert keeps what a conflict still needs, and nothing is ever hard-deleted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.store import models as m
from gateway.store import snapshot, writer
from tests.support.cli import Cli
from tests.support.packages import User, World, nordby


class Feeds:
    """Writes each package into its own folder and imports it."""

    def __init__(self, cli: Cli, tmp_path: Path) -> None:
        self.cli, self.tmp_path, self.count = cli, tmp_path, 0

    def run(self, world: World, *args: str) -> dict[str, Any]:
        """Import a package and return its report."""
        self.count += 1
        folder = world.write(self.tmp_path / f"package{self.count}")
        result = self.cli("import", folder, "--json", *args)
        assert result.code in (0, 3), result.err
        return dict(result.json())


@pytest.fixture
def feeds(cli: Cli, tmp_path: Path) -> Feeds:
    """Imports packages through the CLI."""
    return Feeds(cli, tmp_path)


@contextmanager
def opened(url: str) -> Iterator[Engine]:
    """An engine on the test's store, disposed after."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    """How many rows every table of the store holds."""
    with opened(url) as engine, engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in m.Base.metadata.sorted_tables
        }


def rows(url: str, table: Any, *columns: str) -> list[tuple[Any, ...]]:
    """Some columns of every row of a table, sorted."""
    with opened(url) as engine, engine.connect() as conn:
        query = select(*(table.c[c] for c in columns))
        return sorted((tuple(r) for r in conn.execute(query)), key=repr)


MEMBERSHIPS = m.Membership.__table__
LINKS = m.GuardianLink.__table__
REMOVAL = ("status", "removed_run_id", "removed_at")


def by_key(cli: Cli, what: str) -> dict[str, dict[str, Any]]:
    """A listing by sync key."""
    return {r["sync_key"]: r for r in cli.json("list", what)}


# --- item 9: a run's history is complete ----------------------------------------------------


def test_an_applied_run_logs_what_it_created_field_by_field(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    report = feeds.run(nordby(10))
    logged = cli.json("changes", str(report["run"]))
    created = {e: c["created"] for e, c in report["counts"].items()}
    assert created == {
        "accounts": 13,
        "nodes": 2,
        "groups": 3,
        "memberships": 22,
        "guardian_links": 2,
    }
    assert all((c["action"], c["before"], c["planned"]) == ("create", None, False) for c in logged)
    assert {e: sum(c["entity"] == e for c in logged) for e in created} == created
    accounts = by_key(cli, "accounts")
    ids = dict(rows(database_url, m.Account.__table__, "sync_key", "id"))
    groups = dict(rows(database_url, m.Group.__table__, "sync_key", "id"))
    nodes = dict(rows(database_url, m.Node.__table__, "sync_key", "id"))
    (ase,) = [c for c in logged if c["key"] == "P1"]
    assert ase["after"] == {
        "username": accounts["P1"]["username"],
        "given_name": "Åse",
        "family_name": "Ødegård",
        "email": "p1@nordby.no",
        "profile": "Student",
        "status": "active",
        "nodes": [nodes["S1"]],
    }
    member = f"{ids['P1']}/{groups['MAT8']}/student"
    (joined,) = [c for c in logged if c["key"] == member]
    assert joined["after"] == {
        "account": ids["P1"],
        "group": groups["MAT8"],
        "role": "student",
        "begin": None,
        "end": None,
        "primary": None,
        "origin": "sync",
        "sync_key": "E-P1-MAT8-student",  # the enrollment's own sourcedId
    }
    (link,) = [c for c in logged if c["key"] == f"{ids['G1']}>{ids['P1']}"]
    assert link["after"] == {"guardian": ids["G1"], "student": ids["P1"]}
    (maths,) = [c for c in logged if c["entity"] == "groups" and c["key"] == "MAT8"]
    assert maths["after"]["name"] == "Matematikk 8"
    assert maths["after"]["course"] == groups["C-MAT8"]
    shown = cli("changes", str(report["run"])).out
    assert "create" in shown and "Ødegård" in shown


# --- item 11: a revert keeps what a conflict still needs -----------------------------------


def test_a_revert_keeps_the_nodes_and_groups_that_conflicting_rows_need(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    world = nordby(10)
    first = feeds.run(world)
    feeds.run(world.changed("P1", email="ase@nordby.no"))  # a later import
    assert cli("settings", "Nordby skole", "--set", "allow_manual_members=true").code == 0
    assert cli("member", "add", "MAT8", "PeOd", "--role", "student").code == 0
    preview = cli.json("revert", str(first["run"]), "--dry-run")
    conflicts = {
        (i["entity"], i["key"]) for i in preview["issues"] if i["code"] == "revert_conflict"
    }
    assert {("groups", "MAT8"), ("accounts", "P1"), ("accounts", "G1")} <= conflicts
    # What the kept rows need stays too: MAT8's school and course, the nodes P1 is placed at.
    assert {("nodes", "S1"), ("groups", "C-MAT8")} <= conflicts
    planned = cli.json("changes", str(preview["run"]))
    taken_back = {(c["entity"], c["key"]) for c in planned if c["action"] != "update"}
    assert not taken_back & conflicts
    assert ("groups", "8A") in taken_back and ("accounts", "P2") in taken_back

    reverted = cli.json("revert", str(first["run"]))
    assert reverted["state"] == "applied"
    assert reverted["counts"] == preview["counts"]
    assert by_key(cli, "nodes")["S1"]["status"] == "active"
    groups = by_key(cli, "groups")
    assert (groups["MAT8"]["status"], groups["C-MAT8"]["status"]) == ("active", "active")
    assert groups["8A"]["status"] == "inactive"
    accounts = by_key(cli, "accounts")
    assert {k for k, a in accounts.items() if a["status"] != "expired"} == {"P1", "G1"}
    members = [(r["group"], r["username"], r["origin"]) for r in cli.json("list", "memberships")]
    assert members == [("MAT8", "PeOd", "manual")]
    assert cli.json("report", str(first["run"]))["state"] == "reverted"


def test_a_failing_revert_leaves_a_failed_run_with_the_reason(
    feeds: Feeds, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = feeds.run(nordby(3))
    before = cli.json("list", "accounts")

    def broken(self: writer.Writer) -> None:
        raise IntegrityError("DELETE FROM nodes", {}, Exception("FOREIGN KEY constraint failed"))

    monkeypatch.setattr(writer.Writer, "apply", broken)
    failed = cli("revert", str(first["run"]))
    latest = cli.json("runs")[0]
    assert (failed.code, failed.out, failed.err.count("\n")) == (1, "", 1)  # one line
    assert "failed: FOREIGN KEY constraint failed; " in failed.err
    assert failed.err.endswith(f"run {latest['run']} is recorded as failed; nothing was written\n")
    assert (latest["kind"], latest["state"]) == ("revert", "failed")
    report = cli.json("report", str(latest["run"]))
    assert "FOREIGN KEY constraint failed" in report["error"]
    assert report["error"].startswith(f"revert of run {first['run']} failed")
    assert cli.json("report", str(first["run"]))["state"] == "applied"
    assert cli.json("list", "accounts") == before


# --- item 12: nothing is ever hard-deleted ---------------------------------------------------


def test_removed_memberships_and_links_stay_marked_and_come_back_as_the_same_rows(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    world = nordby(10)
    feeds.run(world)
    ids = rows(database_url, MEMBERSHIPS, "id")
    links = rows(database_url, LINKS, "id")
    held = feeds.run(world.without("P1", "P2", "P3", "P4"))
    assert held["state"] == "held"
    approved = cli.json("approve", str(held["run"]))
    assert approved["counts"]["memberships"]["removed"] == 8
    assert approved["counts"]["guardian_links"]["removed"] == 2
    assert rows(database_url, MEMBERSHIPS, "id") == ids  # every row is still there
    assert rows(database_url, LINKS, "id") == links
    marked = Counter(
        (status, run, when is not None)
        for status, run, when in rows(database_url, MEMBERSHIPS, *REMOVAL)
    )
    assert marked == {("removed", held["run"], True): 8, ("active", None, False): 14}
    assert rows(database_url, LINKS, "status") == [("removed",), ("removed",)]
    assert len(cli.json("list", "memberships")) == 14
    assert by_key(cli, "groups")["MAT8"]["members"] == 7

    back = feeds.run(world)
    assert back["state"] == "applied"
    assert back["counts"]["memberships"]["created"] == 0
    assert back["counts"]["memberships"]["updated"] == 8  # the removed rows, active again
    assert back["counts"]["guardian_links"]["updated"] == 2
    assert rows(database_url, MEMBERSHIPS, "id") == ids
    assert (
        rows(database_url, MEMBERSHIPS, "status", "removed_run_id", "removed_at")
        == [("active", None, None)] * 22
    )
    assert rows(database_url, LINKS, "status") == [("active",), ("active",)]
    assert len(cli.json("list", "memberships")) == 22
    again = feeds.run(world)
    assert again["counts"]["memberships"]["unchanged"] == 22


def test_manual_members_are_removed_and_added_back_on_the_same_row(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    feeds.run(nordby(3))
    assert cli("settings", "Nordby skole", "--set", "allow_manual_members=true").code == 0
    assert cli("member", "add", "MAT8", "PeOd", "--role", "student").code == 0
    ids = rows(database_url, MEMBERSHIPS, "id")
    assert cli("member", "remove", "MAT8", "PeOd").code == 0
    assert rows(database_url, MEMBERSHIPS, "id") == ids
    assert ("MAT8", "PeOd") not in {
        (r["group"], r["username"]) for r in cli.json("list", "memberships")
    }
    assert cli("member", "remove", "MAT8", "PeOd").code == 2  # not a member any more
    assert cli("member", "add", "MAT8", "PeOd", "--role", "student").code == 0
    assert rows(database_url, MEMBERSHIPS, "id") == ids
    assert ("MAT8", "PeOd", "manual") in {
        (r["group"], r["username"], r["origin"]) for r in cli.json("list", "memberships")
    }
    assert cli("member", "add", "MAT8", "PeOd", "--role", "student").code == 2  # already


def test_reverting_an_initial_import_expires_and_inactivates_instead_of_deleting(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    first = feeds.run(nordby(10))
    counts = row_counts(database_url)
    reverted = cli.json("revert", str(first["run"]))
    assert reverted["state"] == "applied"
    assert {e: (c["expired"], c["removed"]) for e, c in reverted["counts"].items()} == {
        "accounts": (13, 0),
        "nodes": (2, 0),
        "groups": (3, 0),
        "memberships": (0, 22),
        "guardian_links": (0, 2),
    }
    after = row_counts(database_url)
    assert {t: n for t, n in after.items() if n < counts[t]} == {}
    assert {a["status"] for a in cli.json("list", "accounts")} == {"expired"}
    assert {n["status"] for n in cli.json("list", "nodes")} == {"inactive"}
    assert {g["status"] for g in cli.json("list", "groups")} == {"inactive"}
    assert cli.json("list", "memberships") == []
    again = feeds.run(nordby(10))  # the same feed brings it all back, as the same rows
    assert again["state"] == "applied"
    assert sum(c["created"] for c in again["counts"].values()) == 0
    assert row_counts(database_url)["memberships"] == counts["memberships"]
    assert len(cli.json("list", "memberships")) == 22


def test_no_step_ever_lowers_the_row_count_of_any_table(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    world = nordby(10).changed("P5", orgs="S1,S2")  # at two schools
    world.schools["S2"] = "Sørby skole"
    seen = [row_counts(database_url)]

    def step(code: int) -> None:
        assert code in (0, 3)
        counts = row_counts(database_url)
        lowered = {t: (seen[-1][t], n) for t, n in counts.items() if n < seen[-1][t]}
        assert lowered == {}, f"step {len(seen)} lowered {lowered}"
        seen.append(counts)

    first = feeds.run(world)
    step(0)
    changed = world.changed("P1", email="new@nordby.no").without("P9")
    changed.users.append(User("P99", "Nils", "Nilsen"))
    changed.enrollments += [("P99", "8A", "student"), ("P99", "MAT8", "student")]
    step(0 if feeds.run(changed)["state"] == "applied" else 1)
    moved = feeds.run(changed.changed("P5", orgs="S1"))  # P5 leaves Sørby skole
    assert moved["counts"]["accounts"]["updated"] == 1
    assert [n for n in by_key(cli, "accounts")["P5"]["nodes"] if "Sørby" in n] == []
    step(0)
    held = feeds.run(world.without("P1", "P2", "P3", "P4"))
    assert held["state"] == "held"
    step(3)
    step(cli("approve", str(held["run"])).code)
    step(cli("revert", str(held["run"])).code)
    step(cli("settings", "Nordby skole", "--set", "allow_manual_members=true").code)
    step(cli("member", "add", "MAT8", "PeOd", "--role", "student").code)
    step(cli("member", "remove", "MAT8", "PeOd").code)
    step(cli("revert", str(first["run"])).code)
    step(cli("member", "add", "MAT8", "PeOd", "--role", "student").code)
    assert seen[3]["placements"] == seen[2]["placements"]  # Sørby's place is kept, marked
    assert seen[-1]["changes"] > seen[1]["changes"]
    assert set(seen[-1]) == {t.name for t in m.Base.metadata.sorted_tables}


def test_a_run_loads_only_the_removed_memberships_that_may_come_back(
    feeds: Feeds, cli: Cli, database_url: str
) -> None:
    world = nordby(10)
    first = feeds.run(world)
    held = feeds.run(world.without("P1", "P2", "P3", "P4"))
    cli("approve", str(held["run"]))
    with opened(database_url) as engine, Session(engine) as session:
        source = session.scalar(select(m.ImportRun.source_id).where(m.ImportRun.id == first["run"]))
        loaded = {
            name: len(snapshot.load(session, source, "oneroster", named=named).removed_memberships)
            for name, named in (("all", None), ("maths", {"MAT8"}), ("none", set()))
        }
    assert loaded == {"all": 8, "maths": 4, "none": 0}
