"""Passwords: from every feed format, by an admin or made; argon2 hashes only, shown nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.store import models as m
from gateway.users import passwords
from tests.gateway.test_cli_ims import world as ims_world
from tests.gateway.users.store import everything, rows
from tests.support import packages
from tests.support.cli import Cli

SECRET = "Sol-Skinn-4711"


def csv_with_password(tmp_path: Path) -> list[str]:
    """A CSV feed whose password column (Norwegian header) gives Åse a password."""
    path = tmp_path / "elever.csv"
    path.write_text(f"ID;Fornavn;Etternavn;Klasse;Passord\n1;Åse;Ødegård;8A;{SECRET}\n", "utf-8")
    return [str(path), "--format", "csv", "--school", "Nordby skole", "--role", "elev"]


def ims_with_password(tmp_path: Path) -> list[str]:
    """An IMS feed whose first person has ``userid password="…"``."""
    data = ims_world(mode="full").decode()
    first = "<person><sourcedid><source>sis</source><id>1001</id></sourcedid>"
    assert first in data
    login = f'<userid password="{SECRET}">AdBe</userid>'
    path = tmp_path / "nordby.xml"
    path.write_text(data.replace(first, first + login, 1), encoding="utf-8")
    return [str(path), "--source", "ims"]


def oneroster_with_password(tmp_path: Path) -> list[str]:
    """A OneRoster package whose users.csv gives the first pupil a password."""
    world = packages.nordby(students=3).changed("P1", password=SECRET)
    return [str(world.write(tmp_path / "oneroster")), "--source", "oneroster"]


FEEDS = {
    "csv": (csv_with_password, "AsOd"),
    "ims": (ims_with_password, "AdBe"),
    "oneroster": (oneroster_with_password, "AsOd"),
}


@pytest.mark.parametrize("fmt", sorted(FEEDS))
def test_a_feeds_password_lands_as_a_hash_and_nowhere_else(
    cli: Cli, tmp_path: Path, database_url: str, fmt: str
) -> None:
    make, username = FEEDS[fmt]
    args = make(tmp_path)
    preview = cli("-v", "import", *args, "--dry-run", "--json")
    assert preview.code == 0 and rows(database_url, m.Account.password_hash) == []
    result = cli("-v", "--log-format", "json", "import", *args, "--json")
    assert result.code == 0, result.err
    run = result.json()["run"]
    shown = [result.out, result.err, preview.out, preview.err]
    shown += [cli("report", run, "--json").out, cli("changes", run, "--json").out]
    shown += [cli("account", username, "--json").out, cli("list", "accounts", "--json").out]
    assert all(SECRET not in text for text in shown)
    assert SECRET not in everything(database_url)  # not in any table, the kept plans too
    account = m.Account.username == username
    (stored,) = rows(database_url, m.Account.password_hash, where=account)
    assert stored[0].startswith("$argon2") and passwords.matches(stored[0], SECRET)
    changes = cli.json("changes", run)
    assert {"entity": "accounts", "action": "password"}.items() <= next(
        c for c in changes if c["action"] == "password"
    ).items()
    assert [c["after"] for c in changes if c["action"] == "password"] == [
        {"password": "password changed"}
    ]
    again = cli.json("import", *args)  # the password was the initial one: set once
    assert again["counts"]["accounts"]["updated"] == 0


def test_an_admin_sets_or_makes_a_password_shown_once(
    cli: Cli, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("account", "add", "--given", "Vera", "--family", "Vikar", "--profile", "Staff")
    made = cli("account", "VeVi", "--new-password")
    assert made.code == 0
    password = made.out.split("password: ")[1].split()[0]
    assert len(password) == 12 and set(password) <= set(passwords_alphabet())
    (stored,) = rows(database_url, m.Account.password_hash)
    assert passwords.matches(stored[0], password)
    assert password not in cli("account", "VeVi").out and password not in everything(database_url)
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    assert cli("account", "VeVi", "--password-stdin").out == "password changed\n"
    (stored,) = rows(database_url, m.Account.password_hash)
    assert passwords.matches(stored[0], SECRET) and SECRET not in everything(database_url)
    (tmp_path / "rostergate.toml").write_text(
        'password_length = 20\npassword_alphabet = "0123456789"\n'
    )
    longer = cli("account", "VeVi", "--new-password").out.split("password: ")[1].split()[0]
    assert len(longer) == 20 and longer.isdigit()


def passwords_alphabet() -> str:
    """The default alphabet of made passwords."""
    from gateway.config import Config

    return Config().password_alphabet


def test_password_rules_default_per_profile_and_per_account(cli: Cli, tmp_path: Path) -> None:
    cli("account", "add", "--given", "Vera", "--family", "Vikar", "--profile", "Staff")
    cli("account", "add", "--given", "Gus", "--family", "Gjest", "--profile", "Guest")
    rules = cli.json("account", "VeVi")["password"]
    assert (rules["change"], rules["never_expires"]) == ("must_change", False)
    assert (
        cli(
            "profiles",
            "set",
            "Guest",
            "password_change=may_not_change",
            "password_never_expires=true",
        ).code
        == 0
    )
    guest = cli.json("account", "GuGj")["password"]
    assert (guest["change"], guest["never_expires"]) == ("may_not_change", True)
    assert cli("account", "VeVi", "--set", "password_change=may_change").code == 0
    assert cli.json("account", "VeVi")["password"]["change"] == "may_change"
    bad = cli("account", "VeVi", "--set", "password_change=sometimes")
    assert bad.code == 2 and "password_change must be one of must_change" in bad.err


def test_a_pending_persons_password_is_kept_nowhere(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    login = f'<userid password="{SECRET}">adab</userid>'
    person = f"<person><sourcedid><source>sis</source><id>p1</id></sourcedid>{login}"
    name = "<name><fn>Ada Berg</fn><n><family>Berg</family><given>Ada</given></n></name>"
    path = tmp_path / "pending.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<enterprise>\n'
        f"{person}{name}</person>\n</enterprise>\n",
        encoding="utf-8",
    )  # no role, no membership: a pending person, in a preview's kept plan and in the store
    for dry in (("--dry-run",), ()):
        report = cli.json("import", path, "--source", "ims", *dry)
        assert "pending_no_role" in [i["code"] for i in report["issues"]]
    assert rows(database_url, m.PendingPerson.sync_key) == [("p1",)]
    assert SECRET not in everything(database_url)
