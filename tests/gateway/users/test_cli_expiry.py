"""An admin's expiry date locks an account from that day; no feed clears it; --unlock does."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from gateway.store import models as m
from tests.gateway.users.store import execute, rows
from tests.gateway.users.test_cli_accounts_by_hand import account, csv_feed
from tests.support.cli import Cli

OPTIONS = ("--format", "csv", "--school", "Nordby skole", "--role", "elev")
TODAY = date.today()


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (TODAY - timedelta(days=30), "locked"),
        (TODAY, "locked"),
        (TODAY + timedelta(days=1), "active"),
    ],
)
def test_an_expiry_date_locks_from_that_day(
    cli: Cli, tmp_path: Path, day: date, status: str
) -> None:
    feed = csv_feed(tmp_path)
    cli("import", feed, *OPTIONS)
    assert cli("account", "AsOd", "--set", f"expires={day.isoformat()}").code == 0
    shown = account(cli, "AsOd")
    assert (shown["status"], shown["expires"]) == (status, day.isoformat())
    listed = cli.json("list", "accounts", "--status", status)
    assert [a["username"] for a in listed] == ["AsOd"]
    report = cli.json("import", feed, *OPTIONS)  # the register says the pupil is active
    assert report["state"] == "applied"
    assert account(cli, "AsOd")["status"] == status
    table = cli("account", "AsOd").out
    assert f"expires      {day.isoformat()}" in table or day.isoformat() in table


def test_today_suspends_now_and_unlock_clears_it(cli: Cli, tmp_path: Path) -> None:
    feed = csv_feed(tmp_path)
    cli("import", feed, *OPTIONS)
    locked = cli("account", "AsOd", "--set", "expires=today")
    assert locked.code == 0 and "status: active -> locked" in locked.out
    assert cli.json("import", feed, *OPTIONS)["counts"]["accounts"]["updated"] == 0
    unlocked = cli("account", "AsOd", "--unlock")
    assert unlocked.code == 0 and "status: locked -> active" in unlocked.out
    assert (account(cli, "AsOd")["status"], account(cli, "AsOd")["expires"]) == ("active", None)


def test_an_expiry_date_that_comes_due_is_written_by_the_next_run(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    feed = csv_feed(tmp_path)
    cli("import", feed, *OPTIONS)
    cli("account", "AsOd", "--set", f"expires={(TODAY + timedelta(days=1)).isoformat()}")
    yesterday = TODAY - timedelta(days=1)  # the day came while nobody looked
    execute(database_url, update(m.Account).values(expires_on=yesterday))
    assert rows(database_url, m.Account.status) == [("active",)]
    assert account(cli, "AsOd")["status"] == "locked"
    report = cli.json("import", feed, *OPTIONS)
    assert report["counts"]["accounts"]["updated"] == 1
    assert rows(database_url, m.Account.status) == [("locked",)]


def test_lock_due_locks_what_came_due_without_a_run(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    cli("import", csv_feed(tmp_path, "1;Åse;Ødegård;8A\n2;Ola;Dahl;8A\n"), *OPTIONS)
    cli("account", "AsOd", "--set", f"expires={(TODAY + timedelta(days=1)).isoformat()}")
    cli("account", "OlDa", "--set", f"expires={(TODAY + timedelta(days=9)).isoformat()}")
    execute(
        database_url,
        update(m.Account).where(m.Account.username == "AsOd").values(expires_on=TODAY),
    )
    assert cli.json("account", "lock-due") == ["AsOd"]
    assert sorted(rows(database_url, m.Account.username, m.Account.status)) == [
        ("AsOd", "locked"),
        ("OlDa", "active"),
    ]
    assert cli.json("account", "lock-due") == []
