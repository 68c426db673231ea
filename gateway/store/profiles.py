"""Profiles, the role words they match, and the mapping review of roles seen in runs."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.errors import NotFound, RuleError, UsageError
from gateway.store import models as m
from gateway.store import profile_values
from gateway.store.snapshot import bump, feed_assignable, load_matcher
from gateway.users import passwords
from mapping.profile_settings import Value
from mapping.profiles import role_key


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


# The words `profiles set` takes for the password defaults, which are columns, not catalogue values.
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _password_default(profile: m.Profile, pair: str, notes: list[str]) -> bool:
    """Set what a profile's new accounts get for passwords; False when ``pair`` is not that."""
    key, _, word = pair.partition("=")
    if key == "password_change":
        value: object = passwords.change_rule(word.strip())
    elif key == "password_never_expires":
        value = _BOOLEANS.get(word.strip().lower())
        if value is None:
            raise UsageError(f"{key} must be true or false, not {word!r}")
    else:
        return False
    if getattr(profile, key) != value:
        notes.append(f"{profile.name}: {key} {getattr(profile, key)} -> {value}")
        setattr(profile, key, value)
    return True


def set_values(session: Session, profile_name: str, pairs: list[str]) -> list[str]:
    """Change a profile's settings (KEY=VALUE, checked against the catalogue); return notes."""
    notes: list[str] = []
    profile = _profile(session, profile_name)
    rest = [pair for pair in pairs if not _password_default(profile, pair, notes)]
    if rest:
        notes += change(session, profile_name, profile_values.parse_pairs(rest))
    return notes


def change(session: Session, profile_name: str, changes: dict[str, Value]) -> list[str]:
    """Change a profile's settings (checked values); return what changed and what it means."""
    profile = _profile(session, profile_name)
    notes = profile_values.store(session, profile, changes)
    if "feed_assignable" in changes:
        notes += _assignable(session, profile, bool(changes["feed_assignable"]))
    return notes


def _assignable(session: Session, profile: m.Profile, value: bool) -> list[str]:
    """Let feeds give a profile, or keep them off it."""
    if value and profile.security_level == _top_level(session):
        raise RuleError(f"no roster role may give {profile.name}: {_why_not(session, profile)}")
    if profile.feed_assignable == value:
        return []
    notes = [f"{profile.name}: feed_assignable {profile.feed_assignable} -> {value}"]
    profile.feed_assignable = value
    matched = session.scalars(select(m.RoleMatch.role).where(m.RoleMatch.profile_id == profile.id))
    words = ", ".join(matched)
    if words and not value:
        notes.append(f"the role words it matched now match nothing ({words}): move them")
    bump(session)
    return notes


def add(session: Session, name: str, source_name: str, level: int) -> m.Profile:
    """A new profile copied from an existing one (values, hierarchy role), at its own level."""
    return profile_values.add(session, name, _profile(session, source_name), level)


def replace_matches(session: Session, profile_name: str, roles: list[str]) -> list[str]:
    """Make a profile match exactly these role words site-wide; return what moved."""
    profile = _profile(session, profile_name)
    wanted = {role_key(r): r.strip() for r in roles if r.strip()}
    held = select(m.RoleMatch.role).where(
        m.RoleMatch.profile_id == profile.id, m.RoleMatch.source == ""
    )
    kept = list(session.scalars(held))
    gone = [r for r in kept if role_key(r) not in wanted]
    new = [r for key, r in wanted.items() if key not in {role_key(k) for k in kept}]
    notes = [f"{unmatch(session, profile.name, gone)} match(es) removed"] if gone else []
    return notes + (match(session, profile.name, new) if new else [])


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
