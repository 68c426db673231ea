"""The gateway's CSV as schools use it (issue 11 item 7), end to end on SQLite and PostgreSQL.

The LMS "import users from a file" flow this format mirrors allows any number of ordered
sub-hierarchy columns under a school (an upper secondary school: programme, year, class),
any number of guardians per pupil, treats usernames that differ only in diacritics as one
sign-in name, and lets the sync key column be the e-mail column too.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli

ARGS = ("--format", "csv", "--role", "elev")


def write(tmp_path: Path, text: str, name: str = "elever.csv") -> Path:
    """Write a feed file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def node_paths(cli: Cli) -> list[str]:
    """The paths of every node in the store."""
    return sorted(n["path"] for n in cli.json("list", "nodes"))


def test_three_ordered_levels_under_a_school(cli: Cli, tmp_path: Path) -> None:
    """An upper secondary school's export: programme, then year, then class."""
    feed = write(
        tmp_path,
        "ID;Fornavn;Etternavn;Skole;Programområde;Trinn;Klasse\n"
        "1;Ola;Dahl;Nordby vgs;Studiespesialisering;Vg1;1STA\n"
        "2;Kari;Dahl;Nordby vgs;Elektro;Vg1;1ELA\n",
    )
    report = cli.json("import", feed, *ARGS)
    assert report["issues"] == []
    assert report["counts"]["nodes"]["created"] == 7
    assert node_paths(cli) == [
        "Nordby vgs",
        "Nordby vgs/Elektro",
        "Nordby vgs/Elektro/Vg1",
        "Nordby vgs/Elektro/Vg1/1ELA",
        "Nordby vgs/Studiespesialisering",
        "Nordby vgs/Studiespesialisering/Vg1",
        "Nordby vgs/Studiespesialisering/Vg1/1STA",
    ]
    members = {(m["group"], m["username"]) for m in cli.json("list", "memberships")}
    assert members == {
        ("Nordby vgs/Studiespesialisering/Vg1/1STA", "OlDa"),
        ("Nordby vgs/Elektro/Vg1/1ELA", "KaDa"),
    }


def test_a_level_column_named_in_a_columns_file(cli: Cli, tmp_path: Path) -> None:
    """A header the gateway does not know ("Linje") becomes a level through --columns."""
    columns = tmp_path / "columns.toml"
    columns.write_text('[columns]\n"Linje" = "level"\n"Gruppe" = "class"\n', encoding="utf-8")
    feed = write(
        tmp_path,
        "ID;Fornavn;Etternavn;Skole;Linje;Trinn;Gruppe\n1;Ola;Dahl;Nordby vgs;ST;Vg1;1STA\n",
    )
    report = cli.json("import", feed, *ARGS, "--columns", columns)
    assert report["issues"] == []
    assert node_paths(cli) == [
        "Nordby vgs",
        "Nordby vgs/ST",
        "Nordby vgs/ST/Vg1",
        "Nordby vgs/ST/Vg1/1STA",
    ]


def test_any_number_of_guardians(cli: Cli, tmp_path: Path) -> None:
    """A pupil with a mother, a father and a stepmother, each a guardian."""
    header = "ID;Fornavn;Etternavn" + "".join(
        f";Foresatt{n} ID;Foresatt{n} Fornavn;Foresatt{n} Etternavn" for n in (1, 2, 3)
    )
    feed = write(tmp_path, header + "\n1;Ola;Dahl;G1;Liv;Dahl;G2;Per;Dahl;G3;Eva;Berg\n")
    report = cli.json("import", feed, *ARGS)
    assert report["issues"] == []
    assert report["counts"]["guardian_links"]["created"] == 3
    accounts = {a["sync_key"]: a["profile"] for a in cli.json("list", "accounts")}
    assert accounts == {"1": "Student", "G1": "Guardian", "G2": "Guardian", "G3": "Guardian"}


def test_usernames_differing_only_in_diacritics_are_one_sign_in_name(
    cli: Cli, tmp_path: Path
) -> None:
    feed = write(
        tmp_path,
        "ID;Fornavn;Etternavn;Brukernavn\n1;Anna;Müller;müller\n2;Anne;Muller;muller\n",
    )
    report = cli.json("import", feed, *ARGS)
    assert [(i["code"], i["key"]) for i in report["issues"]] == [("username_generated", "2")]
    later = write(tmp_path, "ID;Fornavn;Etternavn;Brukernavn\n3;Jörg;Muller;MULLER\n", "nye.csv")
    cli.json("import", later, *ARGS)
    users = {a["sync_key"]: a["username"] for a in cli.json("list", "accounts")}
    assert users == {"1": "müller", "2": "AnMu", "3": "JoMu"}


def test_the_sync_key_column_can_be_the_e_mail_column(cli: Cli, tmp_path: Path) -> None:
    columns = tmp_path / "columns.toml"
    columns.write_text('[columns]\n"E-post" = "sync_key"\n', encoding="utf-8")
    feed = write(tmp_path, "E-post;Fornavn;Etternavn\nola@nordby.no;Ola;Dahl\n")
    cli.json("import", feed, *ARGS, "--columns", columns)
    (account,) = cli.json("list", "accounts")
    assert (account["sync_key"], account["email"]) == ("ola@nordby.no", "ola@nordby.no")


def test_a_columns_file_may_give_one_column_several_fields(cli: Cli, tmp_path: Path) -> None:
    columns = tmp_path / "columns.toml"
    columns.write_text('[columns]\n"Elevnr" = ["sync_key", "username"]\n', encoding="utf-8")
    feed = write(tmp_path, "Elevnr;Fornavn;Etternavn\ne1234;Ola;Dahl\n")
    cli.json("import", feed, *ARGS, "--columns", columns)
    (account,) = cli.json("list", "accounts")
    assert (account["sync_key"], account["username"]) == ("e1234", "e1234")


def test_a_columns_file_without_a_columns_table_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    columns = tmp_path / "columns.toml"
    columns.write_text("columns = 3\n", encoding="utf-8")
    feed = write(tmp_path, "ID;Fornavn;Etternavn\n1;Ola;Dahl\n")
    result = cli("import", feed, *ARGS, "--columns", columns)
    assert result.code == 2
    assert "expected a [columns] table" in result.err
