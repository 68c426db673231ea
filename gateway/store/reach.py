"""Which schools a run, an account or a group belongs to, for the scopes to decide on.

A run belongs to the schools its source's records live in: the schools above the source's
nodes and above where its accounts are placed, and its groups' schools. That holds for a run
in every state (a held run or a preview wrote nothing yet) and for a revert (its target's
source). A source with nothing in the store yet belongs to no school: its runs are the site
admins'. An account belongs to the schools it is placed in or has groups in.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gateway.store import models as m


def schools_above(session: Session) -> dict[int, int]:
    """Each node's school (a school is its own); nodes above or outside schools are left out."""
    rows = session.execute(select(m.Node.id, m.Node.parent_id, m.Node.kind)).all()
    parents = {node: parent for node, parent, _ in rows}
    found = {node: node for node, _, kind in rows if kind == "school"}
    for node in parents:
        walked: list[int] = []
        at: int | None = node
        while at is not None and at not in found and at not in walked:
            walked.append(at)
            at = parents.get(at)
        if at is not None and at in found:
            found.update(dict.fromkeys(walked, found[at]))
    return found


def source_schools(
    session: Session, source_id: int | None, above: dict[int, int] | None = None
) -> set[int]:
    """The schools a source's records live in."""
    if source_id is None:
        return set()
    above = schools_above(session) if above is None else above
    nodes = select(m.Node.id).where(m.Node.source_id == source_id)
    placed = select(m.Placement.node_id).join(m.Account).where(m.Account.source_id == source_id)
    groups = select(m.Group.school_id).where(m.Group.source_id == source_id)
    found = {above[n] for n in session.scalars(nodes.union(placed)) if n in above}
    return found | {s for s in session.scalars(groups) if s is not None}


def run_schools(session: Session, run: m.ImportRun) -> set[int]:
    """The schools a run belongs to: its source's."""
    return source_schools(session, run.source_id)


def sources_in(session: Session, schools: Collection[int]) -> set[int]:
    """The ids of the sources with records in any of these schools."""
    above, wanted = schools_above(session), set(schools)
    ids = session.scalars(select(m.Source.id)).all()
    return {source for source in ids if source_schools(session, source, above) & wanted}


def group_school(group: m.Group) -> set[int]:
    """The school a group belongs to (none for a group outside every school)."""
    return {group.school_id} if group.school_id is not None else set()


def accounts_in(session: Session, schools: Collection[int]) -> ColumnElement[bool]:
    """A condition on Account: placed in, or in a group of, one of these schools."""
    nodes = [node for node, school in schools_above(session).items() if school in schools]
    placed = select(m.Placement.account_id).where(m.Placement.node_id.in_(nodes))
    grouped = (
        select(m.Membership.account_id)
        .join(m.Group, m.Membership.group_id == m.Group.id)
        .where(m.Group.school_id.in_(list(schools)))
    )
    return or_(m.Account.id.in_(placed), m.Account.id.in_(grouped))
