"""Config values are checked, site-wide and per source, and refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import config
from gateway.errors import UsageError
from tests.support.cli import Cli

FEED = "ID;Fornavn;Etternavn\n1;Ada;Berg\n"


def load(tmp_path: Path, text: str = "", **env: str) -> config.Config:
    """Load a config file with this text and these ROSTERGATE_* variables."""
    path = tmp_path / "rostergate.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path, {f"ROSTERGATE_{k.upper()}": v for k, v in env.items()})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "ROSTERGATE_REMOVAL_THRESHOLD must be a number from 0 to 1, not 'nan'"),
        ("1.5", "ROSTERGATE_REMOVAL_THRESHOLD must be a number from 0 to 1, not '1.5'"),
        ("-0.1", "ROSTERGATE_REMOVAL_THRESHOLD must be a number from 0 to 1, not '-0.1'"),
        ("x", "ROSTERGATE_REMOVAL_THRESHOLD must be a number from 0 to 1, not 'x'"),
    ],
)
def test_a_threshold_out_of_range_is_refused(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        load(tmp_path, removal_threshold=value)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('removal_threshold = "x"', "removal_threshold must be a number from 0 to 1, not 'x'"),
        ("removal_threshold = nan", "removal_threshold must be a number from 0 to 1, not nan"),
        ("removal_threshold = true", "removal_threshold must be a number from 0 to 1, not True"),
        ('port = "80"', "port must be a whole number from 1 to 65535, not '80'"),
        ("port = 70000", "port must be a whole number from 1 to 65535, not 70000"),
        ('usernames = "kep"', "usernames must be one of keep, generate, generate-if-taken"),
        ("busy_timeout = -1", "busy_timeout must be a number 0 or more, not -1"),
        ("removal_treshold = 0.2", "unknown setting removal_treshold (did you mean removal_thr"),
        ("mode = 'full'", "unknown setting mode"),
    ],
)
def test_a_wrong_site_value_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        load(tmp_path, text)
    assert str(err.value).startswith(f"{tmp_path / 'rostergate.toml'}: {message}")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("removalz = false", "unknown setting removalz (did you mean removals?)"),
        ("removal_treshold = 0.0", "unknown setting removal_treshold (did you mean removal_thr"),
        ('mode = "fulll"', "mode must be one of full, delta, not 'fulll'"),
        ('removals = "no"', "removals must be true or false, not 'no'"),
        ("removal_threshold = 2", "removal_threshold must be a number from 0 to 1, not 2"),
        ("repair_xml = 1", "repair_xml must be true or false, not 1"),
        ("removal_window = -1", "removal_window must be a number 0 or more, not -1"),
        ("removal_min = 1.5", "removal_min must be a whole number 0 or more, not 1.5"),
        ("removal_min = -1", "removal_min must be a whole number 0 or more, not -1"),
        ('usernames = "none"', "usernames must be one of keep, generate, generate-if-taken"),
        ("host = 'x'", "unknown setting host"),
    ],
)
def test_a_wrong_source_value_is_refused(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        load(tmp_path, f"[sources.visma]\n{line}\n")
    assert str(err.value).startswith(f"{tmp_path / 'rostergate.toml'} [sources.visma]: {message}")


def test_good_values_are_read_with_their_types(tmp_path: Path) -> None:
    text = (
        "removal_threshold = 0\nport = 9000\n"
        '[sources.visma]\nmode = "full"\nremovals = false\nremoval_threshold = 1\n'
        "repair_xml = false\nremoval_window = 24\nremoval_min = 0\n"
    )
    loaded = load(tmp_path, text, removal_threshold="0.25", busy_timeout="0.5")
    assert (loaded.removal_threshold, loaded.port, loaded.busy_timeout) == (0.25, 9000, 0.5)
    assert loaded.sources == {
        "visma": {
            "mode": "full",
            "removals": False,
            "removal_threshold": 1.0,
            "repair_xml": False,
            "removal_window": 24.0,
            "removal_min": 0,
        }
    }


def test_every_site_setting_is_a_config_field() -> None:
    fields = set(config.Config.__dataclass_fields__) - {"sources"}
    assert fields == {k for k, s in config.SETTINGS.items() if s.scope != config.SOURCE}


def test_nan_threshold_refuses_the_import(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nan`` once switched the threshold off: a 100 % expiry went through unheld."""
    feed = tmp_path / "elever.csv"
    feed.write_text(FEED, encoding="utf-8")
    monkeypatch.setenv("ROSTERGATE_REMOVAL_THRESHOLD", "nan")
    result = cli("import", feed, "--school", "Nordby skole", "--role", "elev")
    assert result.code == 2
    assert result.err.startswith("rostergate: ROSTERGATE_REMOVAL_THRESHOLD must be a number")
    monkeypatch.delenv("ROSTERGATE_REMOVAL_THRESHOLD")
    assert cli.json("runs") == []


def test_a_source_typo_refuses_the_import(cli: Cli, tmp_path: Path) -> None:
    """``mode = "fulll"`` once went unnoticed and the feed was imported as a delta."""
    feed = tmp_path / "elever.csv"
    feed.write_text(FEED, encoding="utf-8")
    (tmp_path / "rostergate.toml").write_text('[sources.visma]\nmode = "fulll"\n', "utf-8")
    result = cli("import", feed, "--source", "visma", "--school", "Nordby skole", "--role", "elev")
    assert (result.code, result.out) == (2, "")
    assert "[sources.visma]: mode must be one of full, delta, not 'fulll'" in result.err
    (tmp_path / "rostergate.toml").unlink()
    assert cli.json("runs") == []
