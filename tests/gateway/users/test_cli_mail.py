"""Access data by e-mail: welcome e-mails after applied runs only, on demand, retried, reported."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import update

from gateway.store import models as m
from gateway.store.db import make_engine, make_sessions
from gateway.users import passwords
from gateway.users.mail import OutboxCollector
from tests.gateway.users.smtp import Inbox, smtp_server
from tests.gateway.users.store import everything, execute, rows
from tests.support import packages
from tests.support.cli import Cli

SIGN_IN = "https://lms.example/signin"


def configure(tmp_path: Path, inbox: Inbox, extra: str = "") -> None:
    """A rostergate.toml that sends through ``inbox``; welcome e-mails for source nordby."""
    (tmp_path / "rostergate.toml").write_text(
        f'smtp_host = "127.0.0.1"\nsmtp_port = {inbox.port}\nsigning_url = ""\n'.replace(
            'signing_url = ""\n', f'signin_url = "{SIGN_IN}"\n'
        )
        + extra
        + "\n[sources.nordby]\nwelcome_email = true\n",
        encoding="utf-8",
    )


def one_time(text: str, label: str = "Engangspassord") -> str:
    """The one-time password an e-mail tells."""
    found = re.search(rf"{label}: (\S+)", text)
    assert found, text
    return found[1]


def test_welcome_emails_after_an_applied_run_not_after_a_preview_or_a_held_run(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    with smtp_server() as inbox:
        configure(tmp_path, inbox)
        world = packages.nordby(students=10)
        package = world.write(tmp_path / "p1")
        assert cli("import", package, "--source", "nordby", "--dry-run").code == 0
        assert cli.json("mail", "list") == []
        assert cli("import", package, "--source", "nordby").code == 0
        queued = cli.json("mail", "list")
        # the teacher and ten pupils have e-mail addresses; the guardians none
        assert len(queued) == 11 and {q["state"] for q in queued} == {"queued"}
        assert {q["kind"] for q in queued} == {"welcome"}
        sent = cli("mail", "send")
        assert (sent.code, sent.out) == (0, "sent 11, failed 0\n")
        text = inbox.text("p1@nordby.no")
        assert "Hei, Åse!" in text and "Brukernavn: AsOd" in text and SIGN_IN in text
        assert "Du må velge et nytt passord første gang du logger inn." in text
        password = one_time(text)
        (stored,) = rows(database_url, m.Account.password_hash, where=m.Account.username == "AsOd")
        assert passwords.matches(stored[0], password)
        assert password not in everything(database_url) and password not in sent.out + sent.err
        assert cli.json("account", "AsOd")["access_email"]["state"] == "sent"
        assert cli.json("mail", "send") == {"sent": 0, "failed": 0}  # each goes once

        held = world.without("P1", "P2", "P3", "P4")
        held.users.append(packages.User("P99", "Nina", "Ny", email="nina@nordby.no"))
        report = cli.json("import", held.write(tmp_path / "p2"), "--source", "nordby")
        assert report["state"] == "held"
        assert cli("discard", report["run"]).code == 0
        assert len(cli.json("mail", "list")) == 11 and len(inbox.messages) == 11


def test_access_data_on_demand_in_swedish(cli: Cli, tmp_path: Path, database_url: str) -> None:
    with smtp_server() as inbox:
        configure(tmp_path, inbox, 'mail_language = "sv"\n')
        added = cli(
            "account", "add", "--given", "Vera", "--family", "Vikar", "--email", "vera@x.se",
            "--profile", "Staff", "--send-access",
        )  # fmt: skip
        assert added.code == 0 and "password:" not in added.out  # it goes by e-mail instead
        no_address = cli("account", "add", "--given", "Ulla", "--family", "Utan", "--send-access")
        assert no_address.code == 1 and "has no e-mail address" in no_address.err
        assert cli("mail", "send").out == "sent 1, failed 0\n"
        text = inbox.text("vera@x.se")
        assert "Användarnamn: VeVi" in text
        first = one_time(text, "Engångslösenord")
        assert cli("account", "VeVi", "--send-access").out == "access e-mail queued\n"
        cli("mail", "send")
        second = one_time(inbox.messages[-1].get_payload(decode=True).decode(), "Engångslösenord")
        (stored,) = rows(database_url, m.Account.password_hash)
        assert first != second and passwords.matches(stored[0], second)


def test_a_failing_smtp_server_is_retried_then_reported(
    cli: Cli, tmp_path: Path, database_url: str
) -> None:
    with smtp_server(refuse="451 4.3.0 mailbox busy") as inbox:
        configure(tmp_path, inbox, "mail_attempts = 3\nmail_backoff = 3600\n")
        cli(
            "account",
            "add",
            "--given",
            "Vera",
            "--family",
            "Vikar",
            "--email",
            "vera@x.no",
            "--send-access",
        )
        first = cli("mail", "send")
        assert (first.code, first.out) == (1, "sent 0, failed 1\n")
        assert cli("mail", "send").out == "sent 0, failed 0\n"  # waiting an hour to try again
        assert rows(database_url, m.Outbox.attempts, m.Outbox.state) == [(1, "queued")]
        execute(database_url, update(m.Outbox).values(next_at=m.Outbox.created_at))  # an hour on
        configure(tmp_path, inbox, "mail_attempts = 3\nmail_backoff = 0\n")
        assert cli("mail", "send").code == 1
        assert cli("mail", "send").code == 1
        assert inbox.tries == 3
        shown = cli.json("account", "VeVi")["access_email"]
        assert (shown["state"], shown["attempts"]) == ("failed", 3)
        assert "451" in shown["error"] and "mailbox busy" in shown["error"]
        assert cli("mail", "send").out == "sent 0, failed 0\n"  # given up: no fourth try
        assert rows(database_url, m.Account.password_hash) == [(None,)]  # none was sent
        engine = make_engine(database_url, 30)
        try:
            collector = OutboxCollector(lambda: make_sessions(engine))
            (family,) = collector.collect()
            got = {s.labels["state"]: s.value for s in family.samples}
        finally:
            engine.dispose()
        assert got == {"queued": 0, "sent": 0, "failed": 1}
