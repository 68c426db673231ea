"""Accounts added by hand: local, untouched by feeds, placed, with profiles that stick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gateway.test_cli_ims import world as ims_world
from tests.gateway.users.store import local_changes
from tests.support import packages
from tests.support.cli import Cli


def account(cli: Cli, username: str) -> dict[str, Any]:
    """`rostergate account USERNAME --json`."""
    return dict(cli.json("account", username))


def csv_feed(tmp_path: Path, rows: str = "1;Åse;Ødegård;8A\n") -> Path:
    """A CSV feed of pupils in Nordby skole's 8A."""
    path = tmp_path / "elever.csv"
    path.write_text("ID;Fornavn;Etternavn;Klasse\n" + rows, encoding="utf-8")
    return path


def test_an_account_added_by_hand_is_local_with_a_generated_username(
    cli: Cli, database_url: str
) -> None:
    added = cli.json("account", "add", "--given", "Mona", "--family", "Lisa", "--profile", "staff")
    assert (added["username"], added["source"], added["sync_key"]) == ("MoLi", "local", None)
    assert (added["profile"], added["status"], added["nodes"]) == ("Staff", "active", [])
    assert added["password"] and added["password"] not in cli("account", "MoLi").out
    again = cli.json("account", "add", "--given", "Mona", "--family", "Lisa")
    assert (again["username"], again["profile"]) == ("MonLis", "Guest")  # the lowest profile
    assert [a["username"] for a in cli.json("list", "accounts", "--source", "local")] == [
        "MoLi",
        "MonLis",
    ]
    assert local_changes(database_url)[:2] == [
        ("create", "local", "MoLi"),
        ("password", "local", "MoLi"),
    ]


def test_a_username_given_must_be_free_as_sign_in_compares_it(cli: Cli) -> None:
    cli("account", "add", "--given", "Hans", "--family", "Müller", "--username", "Müller")
    taken = cli("account", "add", "--given", "Hans", "--family", "Muller", "--username", "MULLER")
    assert taken.code == 1 and "username 'MULLER' is taken (by 'Müller'" in taken.err
    found = cli.json("account", "check-login", "muller")
    assert found == {
        "typed": "muller",
        "compared_as": "muller",
        "account": "Müller",
        "status": "active",
    }
    nobody = cli("account", "check-login", "Mueller")
    assert nobody.code == 1 and "reaches no account (compared as 'mueller')" in nobody.out


def test_a_local_account_survives_a_full_snapshot_of_every_format(cli: Cli, tmp_path: Path) -> None:
    csv = csv_feed(tmp_path)
    assert (
        cli("import", csv, "--format", "csv", "--school", "Nordby skole", "--role", "elev").code
        == 0
    )
    ims = tmp_path / "nordby.xml"
    ims.write_bytes(ims_world(mode="full"))
    assert cli("import", ims, "--source", "ims").code == 0
    roster = packages.nordby(students=3).write(tmp_path / "oneroster")
    assert cli("import", roster, "--source", "oneroster").code == 0
    place = ("--place", "Nordby skole/8A")
    added = cli("account", "add", "--given", "Vera", "--family", "Vikar", *place)
    assert (
        added.code == 2 and "name one as SOURCE:KEY (" in added.err and "oneroster:8A" in added.err
    )
    added = cli("account", "add", "--given", "Vera", "--family", "Vikar", "--place", "oneroster:8A")
    assert added.code == 0, added.err
    for path, source in ((csv, "csv"), (ims, "ims"), (roster, "oneroster")):
        args = (
            ("--format", "csv", "--school", "Nordby skole", "--role", "elev")
            if source == "csv"
            else ()
        )
        report = cli.json("import", path, "--source", source, *args)
        assert report["state"] == "applied", report
    kept = account(cli, "VeVi")
    assert (kept["status"], kept["source"], kept["nodes"]) == (
        "active",
        "local",
        ["Nordby skole/8A"],
    )


def test_places_are_set_by_hand_only_on_local_accounts(cli: Cli, tmp_path: Path) -> None:
    cli(
        "import",
        csv_feed(tmp_path),
        "--format",
        "csv",
        "--school",
        "Nordby skole",
        "--role",
        "elev",
    )
    cli("account", "add", "--given", "Vera", "--family", "Vikar", "--place", "Nordby skole")
    assert cli("account", "VeVi", "--place", "Nordby skole/8A").code == 0
    assert account(cli, "VeVi")["nodes"] == ["Nordby skole/8A"]  # the deepest place is listed
    assert cli("account", "VeVi", "--unplace", "Nordby skole/8A").code == 0
    assert account(cli, "VeVi")["nodes"] == ["Nordby skole"]
    refused = cli("account", "AsOd", "--place", "Nordby skole")
    assert refused.code == 1 and "come from its register" in refused.err
    unknown = cli("account", "VeVi", "--place", "Sørby skole")
    assert unknown.code == 1 and "there is no node 'Sørby skole'" in unknown.err


def test_a_profile_set_by_hand_on_a_synced_account_sticks(cli: Cli, tmp_path: Path) -> None:
    feed = csv_feed(tmp_path)
    options = ("--format", "csv", "--school", "Nordby skole", "--role", "elev")
    cli("import", feed, *options)
    assert cli("account", "AsOd", "--set", "profile=Staff", "birthday=2012-05-17").code == 0
    report = cli.json("import", feed, *options)
    assert [(i["code"], i["key"]) for i in report["issues"]] == [("kept_local", "1")]
    shown = account(cli, "AsOd")
    assert (shown["profile"], shown["birthday"]) == ("Staff", "2012-05-17")
    assert "profile" in shown["local_fields"]


def test_the_top_profile_is_given_by_site_admins_only(cli: Cli) -> None:
    top = cli.json(
        "account", "add", "--given", "Ida", "--family", "Drift", "--profile", "System administrator"
    )
    assert top["profile"] == "System administrator"  # the CLI is the site's operator
    bad = cli("account", "add", "--given", "Ida", "--family", "Drift", "--profile", "Rektor")
    assert bad.code == 1 and "there is no profile 'Rektor'" in bad.err
    bad_date = cli("account", "add", "--given", "Ida", "--family", "Drift", "--birthday", "17.05")
    assert bad_date.code == 2 and "birthday must be a date as YYYY-MM-DD" in bad_date.err


def test_account_show_reaches_an_account_named_like_a_subcommand(cli: Cli) -> None:
    for name in ("add", "show"):
        added = cli.json("account", "add", "--given", "Ann", "--family", "Dahl", "--username", name)
        assert added["username"] == name
    shown = cli.json("account", "show", "add")
    assert (shown["username"], shown["given_name"]) == ("add", "Ann")
    assert cli.json("account", "show", "show")["username"] == "show"
    edited = cli("account", "show", "add", "--set", "email=ann@nordby.no")
    assert edited.code == 0 and "password" not in edited.out  # no password made by the way
    assert cli.json("account", "show", "add")["email"] == "ann@nordby.no"
    assert cli.json("account", "show", "show")["email"] == ""
    nameless = cli("account", "show")
    assert nameless.code == 2 and "account show NAME" in nameless.err
