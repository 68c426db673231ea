"""Profiles, the role words they match, and the mapping review of roles seen in runs."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, RuleError, UsageError
from gateway.store import models as m
from gateway.store.snapshot import bump, feed_assignable, load_matcher
from gateway.users import passwords
from mapping.profiles import role_key

# What `profiles set PROFILE KEY=VALUE` may change, and the words it takes for each value.
BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
SETTABLE = ("feed_assignable",)


def listing(session: Session) -> list[dict[str, Any]]:
    """Every profile with its level, hierarchy role and match lists (site and per source)."""
    matches: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = select(m.RoleMatch.profile_id, m.RoleMatch.source, m.RoleMatch.role).order_by(
        m.RoleMatch.id
    )
    for profile_id, source, role in session.execute(rows):
        matches[profile_id][source].append(role)
    profiles = session.scalars(select(m.Profile).order_by(m.Profile.security_level.desc()))
    assignable = feed_assignable(session)
    return [
        {
            "name": p.name,
            "security_level": p.security_level,
            "hierarchy_role": p.hierarchy_role,
            "feed_assignable": p.id in assignable,
            "password_change": p.password_change,
            "password_never_expires": p.password_never_expires,
            "matches": matches[p.id].get("", []),
            "source_matches": {s: r for s, r in matches[p.id].items() if s},
        }
        for p in profiles
    ]


def _profile(session: Session, name: str) -> m.Profile:
    """A profile by name (case-insensitive)."""
    for profile in session.scalars(select(m.Profile)):
        if profile.name.casefold() == name.casefold():
            return profile
    raise NotFound(f"there is no profile {name!r}")


def match(session: Session, profile_name: str, roles: list[str], source: str = "") -> list[str]:
    """Make a profile match role words (for one source, or site-wide); report moves."""
    profile = _profile(session, profile_name)
    if profile.id not in feed_assignable(session):
        raise RuleError(f"no roster role may give {profile.name}: {_why_not(session, profile)}")
    notes = []
    for role in roles:
        key = role_key(role)
        if not key:
            raise UsageError("a role word cannot be empty")
        existing = session.scalar(
            select(m.RoleMatch).where(m.RoleMatch.source == source, m.RoleMatch.role_key == key)
        )
        if existing is None:
            session.add(m.RoleMatch(source=source, role=role, role_key=key, profile_id=profile.id))
        elif existing.profile_id != profile.id:
            moved_from = session.get(m.Profile, existing.profile_id)
            notes.append(f"{role!r} moved from {moved_from.name if moved_from else '?'}")
            existing.profile_id = profile.id
    bump(session)
    return notes


def _top_level(session: Session) -> int | None:
    """The highest security level: no feed may give the profile that holds it."""
    return session.scalar(select(func.max(m.Profile.security_level)))


def _why_not(session: Session, profile: m.Profile) -> str:
    """Why a feed may not assign this profile."""
    if profile.security_level == _top_level(session):
        return f"it is the top profile (security level {profile.security_level})"
    return (
        "it is marked feed_assignable=false "
        f"(`rostergate profiles set {profile.name!r} feed_assignable=true` allows it)"
    )


def _pair(pair: str) -> tuple[str, bool]:
    """One KEY=VALUE of `profiles set`, checked."""
    key, _, word = pair.partition("=")
    if key not in SETTABLE:
        raise UsageError(f"{key!r}: a profile's settings are {', '.join(SETTABLE)}")
    value = BOOLEANS.get(word.strip().lower())
    if value is None:
        raise UsageError(f"{key} must be true or false, not {word!r}")
    return key, value


def _password_default(profile: m.Profile, pair: str, notes: list[str]) -> bool:
    """Set what a profile's new accounts get for passwords; False when ``pair`` is not that."""
    key, _, word = pair.partition("=")
    if key == "password_change":
        value: object = passwords.change_rule(word.strip())
    elif key == "password_never_expires":
        value = BOOLEANS.get(word.strip().lower())
        if value is None:
            raise UsageError(f"{key} must be true or false, not {word!r}")
    else:
        return False
    if getattr(profile, key) != value:
        notes.append(f"{profile.name}: {key} {getattr(profile, key)} -> {value}")
        setattr(profile, key, value)
    return True


def set_values(session: Session, profile_name: str, pairs: list[str]) -> list[str]:
    """Change a profile's settings (KEY=VALUE); return what changed and what it means."""
    profile = _profile(session, profile_name)
    notes: list[str] = []
    for key, value in map(_pair, [p for p in pairs if not _password_default(profile, p, notes)]):
        if value and profile.security_level == _top_level(session):
            raise RuleError(f"no roster role may give {profile.name}: {_why_not(session, profile)}")
        if profile.feed_assignable != value:
            notes.append(f"{profile.name}: {key} {profile.feed_assignable} -> {value}")
            profile.feed_assignable = value
    matched = session.scalars(select(m.RoleMatch.role).where(m.RoleMatch.profile_id == profile.id))
    words = ", ".join(matched)
    if notes and words and not profile.feed_assignable:
        notes.append(f"the role words it matched now match nothing ({words}): move them")
    bump(session)
    return notes


def unmatch(session: Session, profile_name: str, roles: list[str], source: str = "") -> int:
    """Stop a profile matching role words; return how many matches went."""
    profile = _profile(session, profile_name)
    keys = [role_key(r) for r in roles]
    result = session.execute(
        delete(m.RoleMatch).where(
            m.RoleMatch.profile_id == profile.id,
            m.RoleMatch.source == source,
            m.RoleMatch.role_key.in_(keys),
        )
    )
    bump(session)
    return int(result.rowcount)  # type: ignore[attr-defined]


def review(session: Session, source: str | None = None) -> list[dict[str, Any]]:
    """Every external role seen in runs, with its latest count and profile; unmapped first."""
    query = select(m.ImportRun.id, m.Source.name, m.ImportRun.roles).join(m.Source)
    if source:
        query = query.where(m.Source.name == source)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for run_id, source_name, roles in session.execute(query.order_by(m.ImportRun.id)):
        for role, count in (roles or {}).items():
            latest[(source_name, role)] = {
                "source": source_name,
                "role": role,
                "count": count,
                "last_run": run_id,
            }
    matchers: dict[str, Any] = {}
    for row in latest.values():
        if row["source"] not in matchers:
            matchers[row["source"]] = load_matcher(session, row["source"])[1]
        profile = matchers[row["source"]].profile_for(row["role"])
        row["profile"] = profile.name if profile else None
    return sorted(latest.values(), key=lambda r: (r["profile"] is not None, r["source"], r["role"]))
