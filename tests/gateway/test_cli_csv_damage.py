"""A damaged gateway CSV end to end: stray quotes, huge lines and fields, CR-only line ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli

HEADER = "ID;Fornavn;Etternavn;Trinn;Klasse\n"
ARGS = ("--format", "csv", "--school", "Nordby skole", "--role", "elev")


def rows(count: int) -> list[str]:
    """Lines of ``count`` pupils, keyed 1 to count."""
    return [f"{n};Elev{n};Etternavn{n};8;8{'AB'[n % 2]}\n" for n in range(1, count + 1)]


def test_a_stray_quote_costs_one_row_not_the_rest_of_the_file(cli: Cli, tmp_path: Path) -> None:
    """Issue 10: a stray quote at line 2547 of 5,001 used to swallow the 2,455 rows after it."""
    lines = rows(5000)
    lines[2545] = '2546;"Elev2546;Etternavn2546;8;8A\n'  # line 2547, the quote never closes
    feed = tmp_path / "elever.csv"
    feed.write_text(HEADER + "".join(lines), encoding="utf-8")
    result = cli("import", feed, *ARGS, "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["counts"]["accounts"]["created"] == 4999
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    assert [(i["code"], i["key"], i["line"]) for i in errors] == [("stray_quote", "2546", 2547)]
    assert "line 2547" in errors[0]["message"]
    accounts = {a["sync_key"]: a for a in cli.json("list", "accounts")}
    assert len(accounts) == 4999 and "2546" not in accounts
    assert accounts["2547"]["given_name"] == "Elev2547"
    assert accounts["5000"]["nodes"] == ["Nordby skole/8/8A"]


def test_a_quoted_address_over_two_lines_is_read(cli: Cli, tmp_path: Path) -> None:
    """A spreadsheet export keeps a line break inside a quoted address: that row is whole."""
    feed = tmp_path / "elever.csv"
    feed.write_text(
        'ID;Fornavn;Etternavn;Adresse\n1;Ola;Dahl;"Storgata 1\n0150 Oslo"\n2;Kari;Dahl;Lia 2\n',
        encoding="utf-8",
    )
    report = cli.json("import", feed, *ARGS)
    assert report["counts"]["accounts"]["created"] == 2
    assert [i["severity"] for i in report["issues"]] == ["info"]  # the unknown Adresse column


def test_a_field_over_the_line_cap_fails_the_file_in_one_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROSTERGATE_MAX_LINE_BYTES", str(128 * 1024))
    feed = tmp_path / "elever.csv"
    huge = "x" * (200 * 1024)
    feed.write_text(f"ID;Fornavn;Etternavn\n1;Ola;Dahl\n2;{huge};Dahl\n", encoding="utf-8")
    result = cli("import", feed, *ARGS, "--json")
    assert result.code == 1
    report = result.json()
    assert report["state"] == "failed"
    assert [(i["code"], i["line"]) for i in report["issues"]] == [("line_too_long", 3)]
    assert "131072 bytes" in report["issues"][0]["message"]
    assert "Traceback" not in result.err
    assert cli.json("list", "accounts") == []


def test_a_200_kib_field_under_the_default_cap_is_no_traceback(cli: Cli, tmp_path: Path) -> None:
    """The csv module's own 128 KiB field limit no longer decides: the configured cap does."""
    feed = tmp_path / "elever.csv"
    note = "x" * (200 * 1024)
    feed.write_text(f'ID;Fornavn;Etternavn;Merknad\n1;Ola;Dahl;"{note}"\n', encoding="utf-8")
    report = cli.json("import", feed, *ARGS)
    assert report["counts"]["accounts"]["created"] == 1


def test_cr_only_line_ends_are_line_ends(cli: Cli, tmp_path: Path) -> None:
    """Spreadsheet exports on old Macs end lines with CR alone."""
    feed = tmp_path / "elever.csv"
    feed.write_bytes(b"ID;Fornavn;Etternavn;Klasse\r1;Ola;Dahl;8A\r2;Kari;Dahl;8B\r")
    result = cli("import", feed, *ARGS, "--json")
    assert result.code == 0, result.err
    accounts = {a["sync_key"]: a["nodes"] for a in cli.json("list", "accounts")}
    assert accounts == {"1": ["Nordby skole/8A"], "2": ["Nordby skole/8B"]}
