"""Each profile's values of the settings catalogue: read, checked, changed, copied, shown.

A value without a row is the catalogue's default for the profile. Three settings live on
the profile's own row: its security level (unique, 10–100), its hierarchy role (fixed) and
whether feeds may give it. The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.errors import RuleError, UsageError
from gateway.store import models as m
from gateway.store.snapshot import bump, feed_assignable
from mapping.profile_settings import (
    LEVEL_TAKEN,
    NAME_TAKEN,
    NO_NAME,
    NOT_SETTABLE,
    ProfileValueError,
    Value,
    catalogue,
)

COLUMNS = ("security_level", "hierarchy_role", "feed_assignable")
FIXED = ("hierarchy_role",)


class ValueRefused(UsageError):
    """A setting or value a profile cannot take; keeps the template for the admin UI."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(template % params)


def refused(err: ProfileValueError) -> ValueRefused:
    """The catalogue's error as the gateway's."""
    return ValueRefused(err.template, **err.params)


def parse_pairs(pairs: list[str]) -> dict[str, Value]:
    """``KEY=VALUE`` words, each checked against the catalogue."""
    changes: dict[str, Value] = {}
    for pair in pairs:
        key, sep, word = pair.partition("=")
        if not sep:
            raise UsageError(f"expected KEY=VALUE, not {pair!r}")
        try:
            changes[key.strip()] = catalogue()[key.strip()].parse(word)
        except ProfileValueError as err:
            raise refused(err) from None
    return changes


def check_values(data: dict[str, Any]) -> dict[str, Value]:
    """A JSON object of values (typed, or as words), each checked against the catalogue."""
    changes: dict[str, Value] = {}
    for key, value in data.items():
        try:
            setting = catalogue()[key]
            changes[key] = setting.parse(value) if isinstance(value, str) else setting.check(value)
        except ProfileValueError as err:
            raise refused(err) from None
    return changes


def values(session: Session) -> dict[int, dict[str, Value]]:
    """Every profile's values by profile id: stored, else the catalogue's defaults."""
    stored: dict[int, dict[str, Value]] = defaultdict(dict)
    known = {s.key for s in catalogue().settings}
    for profile_id, key, value in session.execute(select(m.ProfileValue.__table__)):
        if key in known:  # a setting the catalogue dropped is kept, not shown
            stored[profile_id][key] = value
    assignable = feed_assignable(session)
    found: dict[int, dict[str, Value]] = {}
    for p in session.scalars(select(m.Profile).order_by(m.Profile.security_level.desc())):
        own: dict[str, Value] = {
            "security_level": p.security_level,
            "hierarchy_role": p.hierarchy_role,
            "feed_assignable": p.id in assignable,
        }
        found[p.id] = {**catalogue().defaults(p.name, p.security_level), **stored[p.id], **own}
    return found


def check_level(session: Session, level: int, profile_id: int | None = None) -> None:
    """Refuse a security level out of range or held by another profile."""
    try:
        catalogue()["security_level"].check(level)
    except ProfileValueError as err:
        raise refused(err) from None
    holder = session.scalar(select(m.Profile).where(m.Profile.security_level == level))
    if holder is not None and holder.id != profile_id:
        raise ValueRefused(LEVEL_TAKEN, value=level, profile=holder.name)


def store(session: Session, profile: m.Profile, changes: dict[str, Value]) -> list[str]:
    """Keep a profile's catalogue values (not feed_assignable); return what changed."""
    before = values(session)[profile.id]
    notes = []
    for key, value in changes.items():
        if key in FIXED:
            raise ValueRefused(NOT_SETTABLE, key=key)
        if key == "feed_assignable" or before[key] == value:
            continue
        notes.append(f"{profile.name}: {key} {before[key]} -> {value}")
        if key == "security_level":
            check_level(session, int(value), profile.id)
            profile.security_level = int(value)
            session.flush()
            _keep_feeds_off_the_top(session)
            bump(session)  # which profile is on top decides what feeds may give
            continue
        row = session.get(m.ProfileValue, (profile.id, key))
        if row is None:
            session.add(m.ProfileValue(profile_id=profile.id, key=key, value=value))
        else:
            row.value = value
    session.flush()
    return notes


def _keep_feeds_off_the_top(session: Session) -> None:
    """Refuse a level change that puts a profile that role words match on top."""
    top = session.scalar(select(m.Profile).order_by(m.Profile.security_level.desc()).limit(1))
    matched = select(m.RoleMatch.role).where(m.RoleMatch.profile_id == (top.id if top else None))
    words = ", ".join(session.scalars(matched))
    if top is not None and words:
        raise RuleError(
            f"{top.name} would be the top profile (security level {top.security_level}), which "
            f"no roster role may give, but role words match it ({words}): move them first"
        )


def add(session: Session, name: str, source: m.Profile, level: int) -> m.Profile:
    """A new profile with ``source``'s values and hierarchy role, at its own level."""
    name = " ".join(name.split())
    if not name:
        raise ValueRefused(NO_NAME)
    taken = select(m.Profile).where(func.lower(m.Profile.name) == name.lower())
    if session.scalar(taken) is not None:
        raise ValueRefused(NAME_TAKEN, value=repr(name))
    check_level(session, level)
    copied = values(session)[source.id]
    profile = m.Profile(
        name=name,
        security_level=level,
        hierarchy_role=source.hierarchy_role,
        feed_assignable=source.feed_assignable,
    )
    session.add(profile)
    session.flush()
    session.add_all(
        m.ProfileValue(profile_id=profile.id, key=key, value=value)
        for key, value in copied.items()
        if key not in COLUMNS
    )
    bump(session)
    return profile


def matrix(session: Session) -> dict[str, Any]:
    """The profiles as columns and the settings as rows by section, as the LMS shows them."""
    profiles = list(session.scalars(select(m.Profile).order_by(m.Profile.security_level.desc())))
    found = values(session)
    matches: dict[int, list[str]] = defaultdict(list)
    rows = select(m.RoleMatch.profile_id, m.RoleMatch.role).where(m.RoleMatch.source == "")
    for profile_id, role in session.execute(rows.order_by(m.RoleMatch.id)):
        matches[profile_id].append(role)
    sections = []
    for section, settings in catalogue().sections():
        shown = [
            {
                "key": s.key,
                "label": s.label,
                "type": s.kind,
                "allowed": list(s.allowed),
                "unit": s.unit,
                "min": s.low,
                "max": s.high,
                "values": {
                    p.name: matches[p.id] if s.kind == "roles" else found[p.id][s.key]
                    for p in profiles
                },
            }
            for s in settings
        ]
        sections.append({"section": section, "settings": shown})
    columns = [{"name": p.name, "security_level": p.security_level} for p in profiles]
    return {"profiles": columns, "sections": sections}


def of_profiles(session: Session) -> dict[str, dict[str, Value]]:
    """Every profile's values by profile name (for ``list accounts --with-profile-settings``)."""
    names: dict[int, str] = {
        pid: name for pid, name in session.execute(select(m.Profile.id, m.Profile.name))
    }
    return {names[pid]: found for pid, found in values(session).items()}
