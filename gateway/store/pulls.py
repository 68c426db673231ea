"""Pulled sources in the store: their pull settings, and the state their applied pulls leave.

A pull's run carries, in its options under ``pull``, the state the source takes once the run
is applied (the next delta's cursor, the file's ETag, the file picked up). ``applied`` moves
it onto the source in the run's own apply transaction, so a failed, held (until approved)
or previewed run leaves the source's state as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import UsageError
from gateway.store import models as m
from gateway.store import sources

OPTION = "pull"  # the run option holding the state its apply leaves
# Settings stored encrypted (gateway.pull.crypt) and never shown.
SECRETS = ("client_secret", "password", "token", "sftp_password", "sftp_key")


@dataclass(frozen=True)
class Target:
    """What a pull of one source needs from the store."""

    name: str
    format: str
    settings: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)


def target(session: Session, name: str) -> Target:
    """The source to pull; a UsageError when it is retired or not pulled."""
    source = sources.get(session, name)
    if source.retired_at is not None:
        raise UsageError(f"source {name!r} is retired: it is not pulled")
    if not source.pull:
        raise UsageError(
            f"source {name!r} is not pulled: add it with --url (or --sftp-host) to pull it"
        )
    return Target(name, source.format or "", dict(source.pull), dict(source.pull_state or {}))


def configure(session: Session, name: str, pull: dict[str, Any] | None) -> None:
    """Set (or, None, clear) how a source is pulled; its pull state starts again."""
    source = sources.get(session, name)
    source.pull, source.pull_state = pull, None


def applied(session: Session, run_id: int) -> None:
    """A run was applied: the state its pull leaves becomes its source's."""
    run = session.get_one(m.ImportRun, run_id)
    left = (run.options or {}).get(OPTION)
    if not isinstance(left, dict) or run.source_id is None:
        return
    source = session.get_one(m.Source, run.source_id)
    source.pull_state = {**(source.pull_state or {}), **left, "run": run_id}


def last_run(session: Session, name: str) -> int | None:
    """The run of the source's last applied pull."""
    state = session.scalar(select(m.Source.pull_state).where(m.Source.name == name)) or {}
    run = state.get("run")
    return run if isinstance(run, int) else None


def public(pull: dict[str, Any] | None) -> dict[str, Any] | None:
    """Pull settings as shown anywhere: secrets left out, and named under ``secrets``."""
    if not pull:
        return None
    shown = {k: v for k, v in pull.items() if k not in SECRETS}
    shown["secrets"] = sorted(k for k in SECRETS if pull.get(k))
    return shown
