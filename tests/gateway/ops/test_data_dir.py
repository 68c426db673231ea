"""The default store lives in the data directory, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import config
from tests.support.cli import Cli

FEED = "ID;Fornavn;Etternavn\n1;Ada;Berg\n"


def test_the_default_store_is_in_the_xdg_data_home(tmp_path: Path) -> None:
    loaded = config.load(tmp_path / "none.toml", {"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert loaded.data_dir == str(tmp_path / "xdg" / "rostergate")
    assert loaded.database_url == f"sqlite:///{tmp_path}/xdg/rostergate/rostergate.db"
    assert loaded.spool_dir == str(tmp_path / "xdg" / "rostergate" / "spool")


def test_without_xdg_the_store_is_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    urls = set()
    for folder in ("a", "b/c"):
        (tmp_path / folder).mkdir(parents=True)
        monkeypatch.chdir(tmp_path / folder)
        urls.add(config.load(tmp_path / "none.toml", {}).database_url)
    assert urls == {f"sqlite:///{tmp_path}/home/.local/share/rostergate/rostergate.db"}


def test_a_data_dir_and_a_database_url_are_kept_as_set(tmp_path: Path) -> None:
    path = tmp_path / "rostergate.toml"
    path.write_text('data_dir = "/srv/rg"\n', encoding="utf-8")
    assert config.load(path, {}).database_url == "sqlite:////srv/rg/rostergate.db"
    env = {"ROSTERGATE_DATA_DIR": "/srv/rg", "ROSTERGATE_DATABASE_URL": "postgresql://h/db"}
    loaded = config.load(tmp_path / "none.toml", env)
    assert (loaded.database_url, loaded.spool_dir) == ("postgresql://h/db", "/srv/rg/spool")


def test_the_cli_reaches_one_store_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(capsys)
    monkeypatch.delenv("ROSTERGATE_DATABASE_URL", raising=False)
    monkeypatch.delenv("ROSTERGATE_CONFIG", raising=False)
    monkeypatch.setenv("ROSTERGATE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "one")
    assert cli("init").code == 0
    assert cli("import", "../feed.csv", "--school", "Nordby skole", "--role", "elev").code == 0
    monkeypatch.chdir(tmp_path / "two")
    assert [r["state"] for r in cli.json("runs")] == ["applied"]
    assert (tmp_path / "data" / "rostergate.db").is_file()
    assert not (tmp_path / "one" / "var").exists()


def test_an_uninitialised_store_is_said_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ROSTERGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("ROSTERGATE_DATA_DIR", str(tmp_path / "data"))
    result = Cli(capsys)("runs")
    assert (result.code, result.err) == (
        1,
        "rostergate: the store is not initialised: run `rostergate init` first\n",
    )
    assert not (tmp_path / "data" / "rostergate.db").exists()
