"""`rostergate changes` names people, groups and places in the hierarchy, never store ids."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.cli import Cli
from tests.support.packages import nordby


def cells(out: str) -> list[list[str]]:
    """The rows of a table the CLI printed, each split into its cells."""
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("-----")) + 1
    return [re.split(r"\s{2,}", line.strip()) for line in lines[start:] if line.strip()]


def test_a_held_runs_changes_name_whose_accounts_memberships_and_links_would_go(
    cli: Cli, tmp_path: Path
) -> None:
    world = nordby(10)
    cli("import", world.write(tmp_path / "first"), "--source", "sis")
    held = cli.json("import", world.without("P1", "P2").write(tmp_path / "next"), "--source", "sis")
    assert held["state"] == "held"

    shown = cli("changes", str(held["run"])).out
    assert shown.startswith(f"Run {held['run']} is held: nothing was written.")
    assert cells(shown) == [
        ["accounts", "Åse Ødegård (AsOd)", "expire", "status=active", "status=expired"],
        ["accounts", "Ola Dahl (OlDa)", "expire", "status=active", "status=expired"],
        [
            "memberships",
            "Åse Ødegård (AsOd) · 8A (Nordby skole/8A) · student",
            "remove",
            "account=Åse Ødegård (AsOd), group=8A (Nordby skole/8A), role=student, "
            "origin=sync, status=active",
            "status=removed",
        ],
        [
            "memberships",
            "Åse Ødegård (AsOd) · Matematikk 8 (Nordby skole) · student",
            "remove",
            "account=Åse Ødegård (AsOd), group=Matematikk 8 (Nordby skole), role=student, "
            "origin=sync, status=active",
            "status=removed",
        ],
        [
            "memberships",
            "Ola Dahl (OlDa) · 8A (Nordby skole/8A) · student",
            "remove",
            "account=Ola Dahl (OlDa), group=8A (Nordby skole/8A), role=student, "
            "origin=sync, status=active",
            "status=removed",
        ],
        [
            "memberships",
            "Ola Dahl (OlDa) · Matematikk 8 (Nordby skole) · student",
            "remove",
            "account=Ola Dahl (OlDa), group=Matematikk 8 (Nordby skole), role=student, "
            "origin=sync, status=active",
            "status=removed",
        ],
        [
            "guardian_links",
            "Per Ødegård (PeOd) → Åse Ødegård (AsOd)",
            "remove",
            "guardian=Per Ødegård (PeOd), student=Åse Ødegård (AsOd), status=active",
            "status=removed",
        ],
        [
            "guardian_links",
            "Liv Dahl (LiDa) → Ola Dahl (OlDa)",
            "remove",
            "guardian=Liv Dahl (LiDa), student=Ola Dahl (OlDa), status=active",
            "status=removed",
        ],
    ]
    assert not re.search(r"_id=|=\d+\b", shown)

    rows = cli.json("changes", str(held["run"]))
    membership = next(r for r in rows if r["entity"] == "memberships")
    assert isinstance(membership["before"]["account_id"], int)  # the ids stay for machines
    assert membership["name"] == "Åse Ødegård (AsOd) · 8A (Nordby skole/8A) · student"
    assert membership["fields"][:2] == [
        ["account", "Åse Ødegård (AsOd)", ""],
        ["group", "8A (Nordby skole/8A)", ""],
    ]


def test_a_preview_against_an_existing_school_names_its_parent_by_path(
    cli: Cli, tmp_path: Path
) -> None:
    cli("import", nordby(10).write(tmp_path / "package"), "--source", "sis")
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn;Klasse\n77;Ida;Lie;9C\n", encoding="utf-8")
    options = ("--school", "Nordby skole", "--role", "elev", "--source", "vigo")
    preview = cli.json("import", feed, *options, "--dry-run")

    assert cells(cli("changes", str(preview["run"])).out) == [
        [
            "accounts",
            "Ida Lie (IdLi)",
            "create",
            "username=IdLi, given_name=Ida, family_name=Lie, profile=Student, status=active, "
            "nodes=Nordby skole",
        ],
        ["nodes", "Nordby skole/9C", "create", "name=9C, kind=class, parent=Nordby skole"],
        [
            "groups",
            "9C (Nordby skole/9C)",
            "create",
            "name=9C, kind=class, node=Nordby skole/9C, school=Nordby skole",
        ],
        [
            "memberships",
            "Ida Lie (IdLi) · 9C (Nordby skole/9C) · student",
            "create",
            "account=Ida Lie (IdLi), group=9C (Nordby skole/9C), role=student, origin=sync",
        ],
    ]
    node = next(r for r in cli.json("changes", str(preview["run"])) if r["entity"] == "nodes")
    assert isinstance(node["after"]["parent"], int)
    assert ["parent", "", "Nordby skole"] in node["fields"]
