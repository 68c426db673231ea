"""Load the snapshot a run plans against: one query per entity, compact values.

Removed memberships and guardian links are kept apart: a run plans against the
active ones, and brings a removed one back rather than adding the same row twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from gateway.store import bulk, presets
from gateway.store import models as m
from gateway.sync.state import (
    Snapshot,
    StoredAccount,
    StoredGroup,
    StoredMemberships,
    StoredNode,
)
from mapping.profiles import Profile, RoleMatcher
from mapping.records import Person, RoleClaim
from mapping.settings import SETTING_KEYS, SchoolSettings


def revision(session: Session) -> int:
    """The store's current revision."""
    return session.scalar(select(m.Meta.revision).where(m.Meta.id == 1)) or 0


def bump(session: Session) -> None:
    """Move the store to its next revision (a local edit: plans made before it are stale)."""
    session.execute(update(m.Meta).where(m.Meta.id == 1).values(revision=m.Meta.revision + 1))


def feed_assignable(session: Session) -> set[int]:
    """The ids of the profiles a feed's role may give: never the top one, nor one marked not."""
    top = session.scalar(select(func.max(m.Profile.security_level)))
    query = select(m.Profile.id).where(m.Profile.feed_assignable, m.Profile.security_level < top)
    return set(session.scalars(query))


def load_matcher(session: Session, source: str) -> tuple[dict[str, Profile], RoleMatcher]:
    """The profiles, and the role matcher for a source (its overrides, then the site's).

    A match to a profile no feed may assign is left out, whatever the store holds: the role
    is then unmapped, and its records are skipped.
    """
    rows = session.execute(
        select(m.Profile.id, m.Profile.name, m.Profile.security_level, m.Profile.hierarchy_role)
    ).all()
    by_id = {pid: Profile(name, level, role) for pid, name, level, role in rows}
    profiles = {p.name: p for p in by_id.values()}
    site: dict[str, str] = {}
    own: dict[str, str] = {}
    matches = select(m.RoleMatch.source, m.RoleMatch.role_key, m.RoleMatch.profile_id)
    assignable = feed_assignable(session)
    for match_source, key, profile_id in session.execute(matches):
        if profile_id not in assignable:
            continue
        if match_source == "":
            site[key] = by_id[profile_id].name
        elif match_source == source:
            own[key] = by_id[profile_id].name
    return profiles, RoleMatcher(profiles, site, own)


def _nodes(session: Session, snap: Snapshot) -> None:
    """All nodes by id (for paths and schools), and the source's by key."""
    cols = (
        m.Node.id,
        m.Node.sync_key,
        m.Node.name,
        m.Node.kind,
        m.Node.parent_id,
        m.Node.status,
        m.Node.source_id,
    )
    for row in session.execute(select(*cols)):
        node = StoredNode(*row)
        snap.nodes_by_id[node.id] = node
        if node.source_id == snap.source_id:
            snap.nodes[node.key] = node


def _groups(session: Session, snap: Snapshot) -> None:
    """The source's groups by key."""
    g = m.Group
    cols = (
        g.id,
        g.sync_key,
        g.name,
        g.kind,
        g.node_id,
        g.school_id,
        g.course_id,
        g.subjects,
        g.begin_date,
        g.end_date,
        g.status,
    )
    for row in session.execute(select(*cols).where(g.source_id == snap.source_id)):
        snap.groups[row.sync_key] = StoredGroup(*row)


def _accounts(session: Session, snap: Snapshot, profile_names: dict[int, str]) -> None:
    """Every username (for clashes), and the source's accounts with their placements."""
    conn = session.connection()
    snap.usernames.update(
        key for (key,) in bulk.select_rows(conn, "SELECT username_key FROM accounts")
    )
    placed: dict[int, set[int]] = defaultdict(set)
    sql = (
        "SELECT p.account_id, p.node_id FROM placements p JOIN accounts a ON a.id = p.account_id "
        "WHERE a.source_id = ? AND p.status = 'active'"
    )
    for account_id, node_id in bulk.select_rows(conn, sql, (snap.source_id,)):
        placed[account_id].add(node_id)
    sql = (
        "SELECT id, sync_key, username, given_name, family_name, email, profile_id, status, "
        "local_fields, expires_on FROM accounts WHERE source_id = ?"
    )
    accounts, empty = snap.accounts, frozenset[str]()
    for aid, key, user, given, family, email, profile, status, local, expires in bulk.select_rows(
        conn, sql, (snap.source_id,)
    ):
        fields = frozenset(local.split(",")) - {""} if local else empty
        accounts[key] = StoredAccount(
            aid,
            key,
            user,
            given,
            family,
            email,
            profile_names[profile],
            status,
            fields,
            tuple(sorted(placed.get(aid, ()))),
            _day(expires),
        )


def _day(value: Any) -> date | None:
    """A date column as read raw (SQLite gives text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# The source's active memberships; the unary + keeps SQLite scanning the table rather than
# making a million index lookups by group.
SOURCE_GROUPS = "m.status = 'active' AND +m.group_id IN (SELECT id FROM groups WHERE source_id = ?)"
PLAIN = "m.origin = 'sync' AND m.begin_date IS NULL AND m.end_date IS NULL AND m.is_primary IS NULL"


def _packed_sql(roles: dict[str, int], where: str) -> tuple[str, str]:
    """SQL for plain memberships packed into (key, id) by the database, and the condition."""
    names = ", ".join(f"'{role}'" for role in roles)  # hierarchy roles from the profiles table
    number = " ".join(f"WHEN '{role}' THEN {n}" for role, n in roles.items())
    plain = f"{PLAIN} AND m.role IN ({names})"
    account, group = "CAST(m.account_id AS BIGINT)", "CAST(m.group_id AS BIGINT)"
    key = f"({account} << 36) | ({group} << 6) | (CASE m.role {number} END)"
    return f"SELECT {key}, m.id FROM memberships m WHERE {where} AND {plain}", plain


def _memberships(session: Session, snap: Snapshot, named: Collection[str] | None) -> None:
    """Memberships in the source's groups, removed ones in the groups ``named`` (None: all),
    and the source's links.

    Removed rows pile up over the years (a new school year removes most of them); only
    those in groups the feed names can come back, so only those are loaded.
    """
    _load_memberships(session, snap, snap.memberships, SOURCE_GROUPS, (snap.source_id,))
    snap.removed_memberships = StoredMemberships(snap.memberships.role_numbers())
    keys = snap.groups.keys() if named is None else named
    ids = sorted(snap.groups[key].id for key in keys if key in snap.groups)
    for chunk in (ids[i : i + 1000] for i in range(0, len(ids), 1000)):
        where = f"m.status = 'removed' AND m.group_id IN ({', '.join(map(str, chunk))})"
        _load_memberships(session, snap, snap.removed_memberships, where, ())
    gl = m.GuardianLink
    links = select(gl.id, gl.guardian_id, gl.student_id, gl.status)
    for link_id, guardian, student, status in session.execute(
        links.where(gl.source_id == snap.source_id)
    ):
        found = snap.links if status == "active" else snap.removed_links
        found[(guardian, student)] = link_id


def _load_memberships(
    session: Session, snap: Snapshot, into: StoredMemberships, where: str, params: tuple[Any, ...]
) -> None:
    """Memberships matching ``where``, plain ones packed by the database."""
    conn = session.connection()
    sql, plain = _packed_sql(into.role_numbers(), where)
    into.extend_packed(bulk.select_chunks(conn, sql, params))
    detailed = (
        "SELECT m.account_id, m.group_id, m.role, m.id, m.origin, m.begin_date, "
        f"m.end_date, m.is_primary FROM memberships m WHERE {where} AND NOT ({plain})"
    )
    ms = m.Membership
    cols = (
        ms.account_id,
        ms.group_id,
        ms.role,
        ms.id,
        ms.origin,
        ms.begin_date,
        ms.end_date,
        ms.is_primary,
    )
    typed = text(detailed.replace("?", ":source")).columns(*cols)  # dates come back as dates
    for row in session.execute(typed, {"source": params[0]} if params else {}):
        into.add(*row)


def _pending(session: Session, snap: Snapshot) -> None:
    """The source's pending persons (sent without a role yet), as the feed sent them."""
    p = m.PendingPerson
    cols = (p.sync_key, p.given_name, p.family_name, p.username, p.email, p.roles, p.orgs)
    for key, given, family, username, email, roles, orgs, enabled in session.execute(
        select(*cols, p.enabled).where(p.source_id == snap.source_id)
    ):
        claims = tuple(RoleClaim(role, org) for role, org in roles)
        person = Person(key, given, family, username, email, claims, tuple(orgs), enabled)
        snap.pending[key] = person


def _settings(session: Session, snap: Snapshot) -> None:
    """Every school's settings, and what a school that arrives in this run starts with."""
    cols = [getattr(m.SchoolSetting, k) for k in SETTING_KEYS]
    for node_id, *values in session.execute(select(m.SchoolSetting.node_id, *cols)):
        snap.settings[node_id] = SchoolSettings(*values)
    kept = presets.load(session)
    snap.new_school_defaults = kept.for_school("", "")
    for school in kept.pending:
        snap.new_school_presets[school] = kept.for_school(school, "")


def _membership_keys(session: Session, snap: Snapshot, keys: Collection[str]) -> None:
    """The stored memberships (in the source's groups) with the sync keys a feed deletes by."""
    ms, wanted = m.Membership, sorted(keys)
    in_source = select(m.Group.id).where(m.Group.source_id == snap.source_id)
    for start in range(0, len(wanted), 500):
        query = select(ms.sync_key, ms.account_id, ms.group_id, ms.role).where(
            ms.sync_key.in_(wanted[start : start + 500]),
            ms.group_id.in_(in_source),
            ms.status != "removed",
        )
        for key, account, group, role in session.execute(query):
            snap.membership_keys[str(key)] = (account, group, role)


def load(
    session: Session,
    source_id: int | None,
    source: str,
    membership_keys: Collection[str] = (),
    named: Collection[str] | None = None,
) -> Snapshot:
    """Load everything a run for this source plans against.

    ``membership_keys``: the memberships' own keys the feed deletes by; ``named``: the groups
    the feed's memberships name, whose removed memberships may come back (None for all).
    """
    profiles, matcher = load_matcher(session, source)
    snap = Snapshot(source_id, revision(session), matcher, profiles)
    hierarchy_roles = sorted({p.hierarchy_role for p in profiles.values()})
    snap.memberships = StoredMemberships(hierarchy_roles)
    names = {pid: name for pid, name in session.execute(select(m.Profile.id, m.Profile.name))}
    _nodes(session, snap)
    _groups(session, snap)
    _accounts(session, snap, names)
    _memberships(session, snap, named)
    _membership_keys(session, snap, membership_keys)
    _settings(session, snap)
    _pending(session, snap)
    return snap
