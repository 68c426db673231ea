"""Sending the outbox's access e-mails through SMTP (aiosmtplib), retried with backoff.

The one-time password is made when the e-mail is written, stored (as its hash) only once
the server took the e-mail, and kept nowhere else. `rostergate serve` runs a ``Mailer``;
`rostergate mail send` sends what is due once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.local import log as log_change
from gateway.store import models as m
from gateway.users import accounts, outbox, passwords, templates

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # how long a claimed e-mail is left alone by other senders
POLL_SECONDS = 5.0
BATCH = 50


@dataclass(frozen=True)
class Letter:
    """One e-mail written and ready to go, and the password hash to keep once it went."""

    outbox_id: int
    username: str
    message: EmailMessage
    password_hash: str | None


def _letter(config: Config, row: m.Outbox, account: m.Account, profile: m.Profile) -> Letter:
    """Write an e-mail: a welcome keeps a password the feed gave, else one is made now."""
    keep = row.kind == "welcome" and account.password_hash is not None
    password = None if keep else passwords.make(config.password_length, config.password_alphabet)
    must_change = passwords.rules(account, profile)["change"] == "must_change"
    subject, text = templates.body(
        row.language, account.given_name, account.username, password, must_change, config.signin_url
    )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.smtp_from, row.address, subject
    message.set_content(text)
    made = passwords.hashed(password) if password else None
    return Letter(row.id, account.username, message, made)


def _claim(sessions: sessionmaker[Session], config: Config) -> list[Letter]:
    """Take the e-mails that are due (leased, so other replicas leave them) and write them."""
    with sessions.begin() as session:
        at = outbox.now()
        query = (
            select(m.Outbox, m.Account, m.Profile)
            .join(m.Account, m.Outbox.account_id == m.Account.id)
            .join(m.Profile, m.Account.profile_id == m.Profile.id)
            .where(m.Outbox.state == outbox.QUEUED, m.Outbox.next_at <= at)
            .order_by(m.Outbox.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=m.Outbox)
        )
        letters = []
        for row, account, profile in session.execute(query):
            row.next_at = at + LEASE
            letters.append(_letter(config, row, account, profile))
    return letters


def _record(
    sessions: sessionmaker[Session], config: Config, letter: Letter, error: str | None
) -> None:
    """Mark an e-mail sent (its password now the account's) or failed (retried later)."""
    with sessions.begin() as session:
        row = session.get(m.Outbox, letter.outbox_id)
        if row is None:  # the account is gone
            return
        if error is not None:
            outbox.failed(row, error, config)
            log.warning(
                "access e-mail %s to %s failed (try %s of %s): %s",
                row.id, letter.username, row.attempts, config.mail_attempts, error,
            )  # fmt: skip
            return
        row.state, row.sent_at, row.next_at, row.error = outbox.SENT, outbox.now(), None, None
        row.attempts += 1
        account = session.get(m.Account, row.account_id)
        if letter.password_hash and account is not None:
            passwords.set_hash(account, letter.password_hash)
            after = {"password": passwords.CHANGED}
            key = account.sync_key or account.username
            log_change(session, "accounts", account.id, key, "password", None, after, "local")
        log.info("access e-mail %s to %s sent", row.id, letter.username)


async def send_due(sessions: sessionmaker[Session], config: Config) -> tuple[int, int]:
    """Send the e-mails that are due, once each; return how many went and how many failed."""
    letters = await asyncio.to_thread(_claim, sessions, config)
    sent = 0
    for letter in letters:
        error = None
        try:
            await aiosmtplib.send(
                letter.message,
                hostname=config.smtp_host,
                port=config.smtp_port,
                start_tls=config.smtp_starttls,
                username=config.smtp_username or None,
                password=config.smtp_password or None,
                timeout=30,
            )
        except (aiosmtplib.SMTPException, OSError) as err:
            error = str(err) or type(err).__name__
        await asyncio.to_thread(_record, sessions, config, letter, error)
        sent += error is None
    return sent, len(letters) - sent


class Mailer:
    """While `serve` runs: sends the outbox (when ``smtp_host`` is set) and locks the accounts
    whose expiry date has come."""

    def __init__(self, sessions: sessionmaker[Session], config: Config) -> None:
        self.sessions, self.config = sessions, config
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sending."""
        self.task = asyncio.create_task(self._loop(), name="access e-mails")

    async def stop(self) -> None:
        """Stop after the e-mail in hand."""
        self.stopping.set()
        if self.task is not None:
            await self.task

    async def _loop(self) -> None:
        """Send what is due, then wait a little."""
        while not self.stopping.is_set():
            try:
                await asyncio.to_thread(self._lock_due)
                if self.config.smtp_host:
                    await send_due(self.sessions, self.config)
            except Exception:  # the store is down or busy: try again later
                log.warning("access e-mails: cannot send", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), POLL_SECONDS)

    def _lock_due(self) -> None:
        """Lock the accounts whose expiry date has come (a run would, but none may come)."""
        with self.sessions.begin() as session:
            locked = accounts.lock_due(session)
        if locked:
            log.info("locked on their expiry date: %s", ", ".join(locked))


class OutboxCollector(Collector):
    """Access e-mails by state, for /metrics: a failed one is one somebody should look at."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]]) -> None:
        self.sessions = sessions

    def describe(self) -> Iterator[Metric]:
        """The family, without asking the store."""
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        """Access e-mails queued, sent and failed."""
        family = self._family()
        try:
            with self.sessions()() as session:
                for state, count in outbox.counts(session).items():
                    family.add_metric([state], count)
        except SQLAlchemyError:
            return  # rostergate_store_up says so
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        """The empty family."""
        return GaugeMetricFamily(
            "rostergate_access_emails", "Access e-mails in the outbox by state", labels=["state"]
        )
