"""`rostergate account` shows what the admin API shows: places, schools and memberships."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli


def test_an_account_shows_its_schools_and_memberships(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "elever.csv"
    feed.write_text("ID;Fornavn;Etternavn;Klasse\n1;Åse;Ødegård;8A\n", encoding="utf-8")
    cli.json("import", feed, "--format", "csv", "--school", "Nordby skole", "--role", "elev")
    shown = cli.json("account", "AsOd")
    assert shown["schools"] == ["Nordby skole"] and shown["nodes"] == ["Nordby skole/8A"]
    assert [(m["group_name"], m["role"], m["origin"]) for m in shown["memberships"]] == [
        ("8A", "student", "sync")
    ]
    assert shown["profile"] == "Student" and shown["source"] == "csv"
    table = cli("account", "AsOd").out
    assert "memberships" in table and "as student (sync)" in table
