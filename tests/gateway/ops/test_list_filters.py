"""`rostergate list` and the API's listings take filters and pages, the same on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli

FEED = (
    "ID;Fornavn;Etternavn;Skole;Rolle;Klasse;E-post\n"
    "1;Ada;Berg;Nordby skole;elev;8A;ada@x.no\n"
    "2;Bo;Dahl;Nordby skole;elev;8B;\n"
    "3;Cato;Eide;Sørby skole;elev;9A;\n"
    "4;Dina;Fjell;Sørby skole;lærer;;dina_f@x.no\n"
    "5;Åse;Berg;Sørby skole;elev;9A;\n"
)


@pytest.fixture
def loaded(cli: Cli, tmp_path: Path) -> Cli:
    """Two schools, four students and a teacher."""
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    assert cli("import", tmp_path / "feed.csv").code == 0
    return cli


def names(cli: Cli, what: str, *options: str, key: str = "username") -> list[str]:
    """One column of `list WHAT --json` with these options."""
    return [row[key] for row in cli.json("list", what, *options)]


def test_accounts_by_school_profile_status_source_and_search(loaded: Cli) -> None:
    assert names(loaded, "accounts", "--school", "sørby skole") == ["AsBe", "CaEi", "DiFj"]
    assert names(loaded, "accounts", "--profile", "staff") == ["DiFj"]
    assert names(loaded, "accounts", "--status", "expired") == []
    assert names(loaded, "accounts", "--source", "csv", "--search", "BERG") == ["AdBe", "AsBe"]
    assert names(loaded, "accounts", "--search", "asbe") == ["AsBe"]
    assert names(loaded, "accounts", "--search", "a_f") == ["DiFj"]  # _ is no wildcard
    assert names(loaded, "accounts", "--search", "%") == []


def test_accounts_page(loaded: Cli) -> None:
    assert names(loaded, "accounts", "--limit", "2") == ["AdBe", "AsBe"]
    assert names(loaded, "accounts", "--limit", "2", "--offset", "2") == ["BoDa", "CaEi"]
    assert names(loaded, "accounts", "--offset", "4") == ["DiFj"]
    bad = loaded("list", "accounts", "--limit", "-1")
    assert bad.code == 2 and "must be a whole number 0 or more" in bad.err


def test_nodes_groups_and_memberships_filter_and_page(loaded: Cli) -> None:
    assert names(loaded, "nodes", "--school", "Sørby skole", key="path") == [
        "Sørby skole",
        "Sørby skole/9A",
    ]
    assert names(loaded, "nodes", "--search", "8", "--offset", "1", key="path") == [
        "Nordby skole/8B"
    ]
    assert names(loaded, "groups", "--school", "Nordby skole", "--limit", "1", key="name") == ["8A"]
    assert names(loaded, "memberships", "--school", "Sørby skole") == ["AsBe", "CaEi"]
    assert names(loaded, "memberships", "--search", "bod") == ["BoDa"]
    assert names(loaded, "memberships", "--limit", "1", "--offset", "3") == ["CaEi"]


def test_a_filter_a_listing_does_not_take_or_an_unknown_school_is_refused(loaded: Cli) -> None:
    refused = loaded("list", "nodes", "--profile", "Staff")
    assert (refused.code, refused.err) == (2, "rostergate: nodes cannot be filtered by profile\n")
    missing = loaded("list", "accounts", "--school", "Vestby skole")
    assert (missing.code, missing.err) == (1, "rostergate: there is no school 'Vestby skole'\n")
