"""Every failure is one clear line with the contract's exit code, never a traceback.

Each case is one seen on the current main as a Python traceback (issue 10, item 4). The
store's failures are real ones: a second SQLite connection holding the write lock, a store
opened read-only, a database that may not grow (a full disk), a PostgreSQL port nobody
listens on.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from gateway.store import db
from gateway.sync import run as sync_run
from tests.support.cli import Cli, Result

FEED = "ID;Fornavn;Etternavn\n" + "".join(f"{i};Ada{i};Berg\n" for i in range(1, 201))
IMPORT = ("--school", "Nordby skole", "--role", "elev")


def one_line(result: Result) -> str:
    """The single line a failure printed on stderr (and nothing that looks like a traceback)."""
    assert "Traceback" not in result.err + result.out
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("rostergate: ")
    return lines[0].removeprefix("rostergate: ")


def write(tmp_path: Path, text: str | bytes, name: str = "elever.csv") -> Path:
    """A feed file in the test's folder."""
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def states(cli: Cli) -> list[tuple[str, str]]:
    """Every run's file and state, oldest first."""
    return [(r["file"], r["state"]) for r in reversed(cli.json("runs"))]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unexpected_error_is_one_line_and_the_run_is_failed(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(records: Iterator[Any]) -> Any:
        raise RuntimeError("the reader broke\nwith a second line")

    monkeypatch.setattr(sync_run, "collect", broken)
    result = cli("import", write(tmp_path, FEED), *IMPORT)
    assert result.code == 1
    line = one_line(result)
    assert line.startswith("unexpected error: RuntimeError: the reader broke (rerun with --debug")
    assert line.endswith("run 1 is recorded as failed; nothing was written")
    assert states(cli) == [("elever.csv", "failed")]
    assert cli.json("report", "1")["error"] == (
        "error: RuntimeError('the reader broke\\nwith a second line')"
    )


@pytest.mark.parametrize("how", ["--debug", "ROSTERGATE_DEBUG"])
def test_debug_shows_the_traceback(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    def broken(records: Iterator[Any]) -> Any:
        raise RuntimeError("the reader broke")

    monkeypatch.setattr(sync_run, "collect", broken)
    args: tuple[str, ...] = ("import", str(write(tmp_path, FEED)), *IMPORT)
    if how == "--debug":
        args += ("--debug",)
    else:
        monkeypatch.setenv("ROSTERGATE_DEBUG", "1")
    result = cli(*args)
    assert result.code == 1
    assert result.err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: the reader broke" in result.err
    assert result.err.splitlines()[-1].startswith("rostergate: unexpected error: RuntimeError")


def test_a_field_over_128_kib_is_a_row_issue_not_a_traceback(cli: Cli, tmp_path: Path) -> None:
    """Under the 1 MiB line cap the field is read; the store cannot hold it, so its row goes."""
    feed = write(tmp_path, "ID;Fornavn;Etternavn\n1;" + "a" * 140_000 + ";Berg\n2;Ada;Berg\n")
    result = cli("import", feed, *IMPORT, "--json")
    assert result.code == 0
    assert "Traceback" not in result.err + result.out
    assert [(i["code"], i["key"]) for i in result.json()["issues"]] == [("value_too_long", "1")]
    assert states(cli) == [("elever.csv", "applied")]
    assert [a["sync_key"] for a in cli.json("list", "accounts")] == ["2"]


def test_cr_only_line_ends_never_give_a_traceback(cli: Cli, tmp_path: Path) -> None:
    """Spreadsheet exports on old systems end lines with CR alone."""
    feed = write(tmp_path, "ID;Fornavn;Etternavn\r1;Ada;Berg\r2;Kari;Dahl\r")
    result = cli("import", feed, *IMPORT)
    assert "Traceback" not in result.err + result.out
    assert len(result.err.splitlines()) <= 1
    assert (result.code, states(cli)) in (
        (0, [("elever.csv", "applied")]),
        (1, [("elever.csv", "failed")]),
    )


def test_a_wrong_config_type_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "rostergate.toml").write_text('removal_threshold = "x"\n', encoding="utf-8")
    result = cli("import", write(tmp_path, FEED), *IMPORT)
    assert result.code == 2
    assert one_line(result).startswith(
        "rostergate.toml: removal_threshold must be a number from 0 to 1, not 'x'"
    )


def test_a_run_number_beyond_any_store_is_not_found(cli: Cli) -> None:
    for run in ("99999999999999999999999", "3000000000", "0"):
        result = cli("report", run)
        assert result.code == 1
        assert one_line(result) == f"there is no run {run}"


def test_a_locked_sqlite_store_is_one_line(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROSTERGATE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ROSTERGATE_BUSY_TIMEOUT", "0.2")
    cli = Cli(capsys)
    other = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        result = cli("import", write(tmp_path, FEED), *IMPORT)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.code == 1
    assert one_line(result).startswith(
        "the store is locked by another writer (waited 0.2 s): try again when"
    )
    assert states(cli) == []


def test_a_read_only_store_is_one_line(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    read_only = f"sqlite:///file:{make_url(sqlite_url).database}?mode=ro&uri=true"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROSTERGATE_DATABASE_URL", read_only)
    result = Cli(capsys)("import", write(tmp_path, FEED), *IMPORT)
    assert result.code == 1
    assert one_line(result).startswith("the store is read-only (")
    assert not (tmp_path / "file:").exists()


def test_a_full_disk_fails_the_run_in_one_line(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pragmas = db._sqlite_pragmas

    def no_room_to_grow(busy_timeout: float, conn: Any, record: Any) -> None:
        pragmas(busy_timeout, conn, record)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")

    monkeypatch.setattr(db, "_sqlite_pragmas", no_room_to_grow)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROSTERGATE_DATABASE_URL", sqlite_url)
    cli = Cli(capsys)
    result = cli("import", write(tmp_path, FEED * 10), *IMPORT)
    assert result.code == 1
    assert one_line(result).startswith("the disk holding the store is full (")
    assert "run 1 is recorded as failed" in result.err
    assert states(cli) == [("elever.csv", "failed")]
    assert cli.json("list", "accounts") == []


def test_an_unreachable_postgresql_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"postgresql://rostergate:secret@127.0.0.1:{closed_port()}/rostergate"
    monkeypatch.setenv("ROSTERGATE_DATABASE_URL", url)
    cli = Cli(capsys)
    for args in (("runs",), ("import", str(write(tmp_path, FEED)), *IMPORT)):
        result = cli(*args)
        assert result.code == 1
        line = one_line(result)
        assert line.startswith("cannot reach the store at postgresql://rostergate:***@127.0.0.1")
        assert line.endswith("is the server up and the URL right?")
        assert "secret" not in line


def test_a_port_in_use_is_one_line(cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.code == 1
    assert one_line(result).startswith(f"cannot listen on 127.0.0.1:{port}: ")
    assert one_line(result).endswith("; stop the other server or pass --port")
    assert result.out == ""


def test_usage_errors_are_one_line_after_the_usage(cli: Cli) -> None:
    result = cli("import")
    assert result.code == 2
    assert result.err.startswith("usage: rostergate import")
    assert result.err.splitlines()[-1] == (
        "rostergate: import: the following arguments are required: path"
    )


# --json prints JSON for every outcome, with the exit code unchanged (issue 11, item 9).


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (("import", "."), 2, ".: a folder or zip that is not a OneRoster package; say --format"),
        (("import", "missing.csv"), 2, "missing.csv: no such file or directory"),
        (("import",), 2, "import: the following arguments are required: path"),
        (("runs", "--limit", "x"), 2, "runs: argument --limit: invalid int value: 'x'"),
        (("report", "x"), 2, "report: argument run: invalid int value: 'x'"),
        (("init", "x"), 2, "unrecognized arguments: x --json"),
        (("report", "999"), 1, "there is no run 999"),
        (("discard", "999"), 1, "there is no run 999"),
        (("profiles", "match", "Nobody", "x"), 1, "there is no profile 'Nobody'"),
    ],
)
def test_json_is_printed_for_every_failure(
    cli: Cli, args: tuple[str, ...], code: int, error: str
) -> None:
    result = cli(*args, "--json")
    assert (result.code, result.err) == (code, "")
    assert result.json() == {"error": error}


def test_json_for_an_unexpected_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(records: Iterator[Any]) -> Any:
        raise RuntimeError("the reader broke")

    monkeypatch.setattr(sync_run, "collect", broken)
    result = cli("import", write(tmp_path, FEED), *IMPORT, "--json")
    assert (result.code, result.err) == (1, "")
    assert result.json()["error"].startswith("unexpected error: RuntimeError: the reader broke")


def test_account_set_with_json_prints_json_alone(cli: Cli, tmp_path: Path) -> None:
    cli.json("import", write(tmp_path, "ID;Fornavn;Etternavn\n1;Ada;Berg\n"), *IMPORT)
    result = cli("account", "AdBe", "--set", "email=ada@privat.no", "--json")
    assert result.code == 0
    assert result.json()["email"] == "ada@privat.no"
    assert result.err == "email: '' -> 'ada@privat.no' (set locally: later runs keep it)\n"
