"""Feed sources: the registers and vendors that send feeds, their schools, settings and tokens.

A source's settings are the config's ``[sources.NAME]`` table (the seed) overlaid by what
is stored on its row; ``effective_settings`` is the one place that lays them together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from gateway.auth import secrets
from gateway.auth.scopes import Principal
from gateway.config import SOURCE_KEYS, Config, source_setting
from gateway.errors import NotFound, UsageError
from gateway.store import health, lookup, pulls
from gateway.store import models as m
from gateway.sync.scope import covers

FORMATS = ("ims", "oneroster", "csv", "oneroster-rest")  # the last one is only pulled
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
BUSY = ("queued", "running")
# The tables whose rows a source owns: while any holds one, the source is retired, not deleted.
OWNED = (m.ImportRun, m.Node, m.Group, m.Account, m.GuardianLink, m.PendingPerson)


def _now() -> datetime:
    """The current time in UTC, as the store keeps it (naive)."""
    return datetime.now(UTC).replace(tzinfo=None)


def find(session: Session, name: str) -> m.Source | None:
    """A source by name, or None."""
    return session.scalar(select(m.Source).where(m.Source.name == name))


def get(session: Session, name: str) -> m.Source:
    """A source by name."""
    source = find(session, name)
    if source is None:
        raise NotFound(f"there is no source {name!r}: `rostergate source list` shows them")
    return source


def ensure(session: Session, name: str, fmt: str = "") -> int:
    """The id of the named source for a run, created on first use; a retired one is refused."""
    source = find(session, name)
    if source is None:
        source = m.Source(name=name, format=fmt or None, schools=[], settings={})
        session.add(source)
        session.flush()
    elif source.retired_at is not None:
        raise UsageError(
            f"source {name!r} is retired: `rostergate source add {name} --format …` brings it back"
        )
    return source.id


def checked_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """Per-source settings checked against the config's table (the key named when refused)."""
    return {key: source_setting(key, value) for key, value in values.items()}


def _format(fmt: str) -> str:
    """A format a source may have."""
    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


def _schools(schools: list[str]) -> list[str]:
    """School names, paths or keys, blanks and repeats left out."""
    return list(dict.fromkeys(s.strip() for s in schools if s.strip()))


def add(
    session: Session,
    name: str,
    fmt: str,
    schools: list[str],
    settings: Mapping[str, Any],
) -> tuple[m.Source, bool]:
    """Add a source, or bring a retired one back; True when it was retired."""
    if not NAME.fullmatch(name):
        raise UsageError(
            f"source name {name!r}: letters, digits, '.', '_' and '-', at most 100, "
            "starting with a letter or digit (it stands in the push URL)"
        )
    values = checked_settings(settings)
    source = find(session, name)
    revived = source is not None and source.retired_at is not None
    if source is not None and not revived:
        raise UsageError(f"there is already a source {name!r}: `rostergate source set` changes it")
    if source is None:
        source = m.Source(name=name)
        session.add(source)
    source.format, source.schools, source.settings = _format(fmt), _schools(schools), values
    source.retired_at, source.updated_at = None, _now()
    session.flush()
    return source, revived


def change(
    session: Session,
    name: str,
    *,
    fmt: str | None = None,
    schools: list[str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> m.Source:
    """Change a source's format, schools or settings (a setting set to None falls back)."""
    source = get(session, name)
    if fmt is not None:
        source.format = _format(fmt)
    if schools is not None:
        source.schools = _schools(schools)
    if settings:
        kept = dict(source.settings or {})
        unset = [key for key, value in settings.items() if value is None]
        for key in unset:
            if key not in SOURCE_KEYS:
                raise UsageError(f"unknown setting {key}; known: {', '.join(SOURCE_KEYS)}")
        kept.update(checked_settings({k: v for k, v in settings.items() if v is not None}))
        source.settings = {k: v for k, v in kept.items() if k not in unset}
    source.updated_at = _now()
    return source


def busy_runs(session: Session, source_id: int) -> list[int]:
    """The ids of the source's queued or running runs."""
    query = select(m.ImportRun.id).where(
        m.ImportRun.source_id == source_id, m.ImportRun.state.in_(BUSY)
    )
    return list(session.scalars(query.order_by(m.ImportRun.id)))


def remove(session: Session, name: str) -> str:
    """Delete a source that owns nothing, else retire it; "deleted" or "retired".

    Retired: it keeps its row (its records and runs keep their owner and history), loses
    its push token and can run nothing until it is added again.
    """
    source = get(session, name)
    busy = busy_runs(session, source.id)
    if busy:
        ids = ", ".join(map(str, busy))
        raise UsageError(f"source {name!r} has queued or running runs ({ids}): let them finish")
    owns = any(session.scalar(select(exists().where(t.source_id == source.id))) for t in OWNED)
    if owns:
        source.retired_at, source.token_hash = _now(), None
        source.updated_at = source.retired_at
        return "retired"
    session.delete(source)
    return "deleted"


def issue_token(session: Session, name: str) -> str:
    """A new push token for a source, returned once; the old one stops working."""
    source = get(session, name)
    if source.retired_at is not None:
        raise UsageError(f"source {name!r} is retired: add it again before giving it a token")
    token = secrets.new_token("rgp")
    source.token_hash, source.updated_at = secrets.token_hash(token), _now()
    return token


def unknown_schools(session: Session, specs: list[str]) -> list[str]:
    """The names, paths or keys among ``specs`` that no school in the store answers to yet."""
    known = lookup.schools(session).schools
    return [
        spec for spec in specs if not any(covers((spec,), s.key, s.name, s.path) for s in known)
    ]


def principal(source: m.Source) -> Principal:
    """The Principal a source's push acts as."""
    return Principal("source", source.name, tuple(source.schools or ()))


def authenticate(session: Session, name: str, token: str) -> Principal | None:
    """The source whose push token this is, or None when it is no source's.

    A Principal named other than ``name`` is another source's token (403, not 401).
    """
    source = session.scalar(
        select(m.Source).where(
            m.Source.token_hash == secrets.token_hash(token), m.Source.retired_at.is_(None)
        )
    )
    if source is None or not secrets.token_matches(source.token_hash, token):
        return None
    return principal(source)


def scope(session: Session, source_id: int) -> tuple[str, ...]:
    """The schools a source may write to (key, path or name); () when every school."""
    return tuple(session.get_one(m.Source, source_id).schools or ())


def effective_settings(session: Session, config: Config, name: str) -> dict[str, Any]:
    """A source's settings: the config's ``[sources.NAME]`` overlaid by its stored ones."""
    stored = session.scalar(select(m.Source.settings).where(m.Source.name == name))
    return {**config.sources.get(name, {}), **(stored or {})}


def describe(session: Session, config: Config, source: m.Source) -> dict[str, Any]:
    """A source as `source show` and the API give it."""
    runs = session.execute(
        select(func.count(), func.max(m.ImportRun.id)).where(m.ImportRun.source_id == source.id)
    ).one()
    effective = effective_settings(session, config, source.name)
    return {
        "name": source.name,
        "format": source.format or "",
        "schools": list(source.schools or ()),
        "settings": dict(source.settings or {}),
        "effective": effective,
        "token": source.token_hash is not None,
        "status": "retired" if source.retired_at else "active",
        "runs": runs[0],
        "last_run": runs[1],
        "created_at": source.created_at,
        "updated_at": source.updated_at,
        "retired_at": source.retired_at,
        "schedule": source.schedule or "off",
        **health.of(session, config, source, effective, _now()).as_dict(),
        "pull": pulls.public(source.pull),  # credentials never: only which are set
        "pull_state": dict(source.pull_state or {}),
    }


def listing(session: Session, config: Config) -> list[dict[str, Any]]:
    """Every source, by name."""
    rows = session.scalars(select(m.Source).order_by(m.Source.name))
    return [describe(session, config, source) for source in rows]


def health_of_all(
    session: Session, config: Config, now: datetime
) -> list[tuple[str, health.Health]]:
    """Every active source's health, by name."""
    rows = session.scalars(
        select(m.Source).where(m.Source.retired_at.is_(None)).order_by(m.Source.name)
    )
    return [
        (s.name, health.of(session, config, s, effective_settings(session, config, s.name), now))
        for s in rows
    ]


def failing(session: Session, config: Config, now: datetime) -> dict[str, str]:
    """The scheduled sources whose pulls fail, with why (for ``/readyz``)."""
    return {n: h.failing for n, h in health_of_all(session, config, now) if h.failing is not None}
