"""Which sources and runs an admin reaches: a school admin, only those of their schools."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth import scopes
from gateway.auth.scopes import Principal
from gateway.errors import Forbidden
from gateway.store import models as m


def source_schools(session: Session) -> dict[int, set[int]]:
    """The schools each source writes to: its school nodes and its groups' schools."""
    found: dict[int, set[int]] = defaultdict(set)
    nodes = select(m.Node.source_id, m.Node.id).where(m.Node.kind == "school")
    groups = select(m.Group.source_id, m.Group.school_id).where(m.Group.school_id.is_not(None))
    for source_id, school_id in [*session.execute(nodes), *session.execute(groups)]:
        if source_id is not None and school_id is not None:
            found[source_id].add(school_id)
    return found


def sources(session: Session, who: Principal) -> set[int] | None:
    """The sources whose runs ``who`` may see and decide on; None when that is every source.

    A school admin reaches a source that writes only to their schools: approving its run
    changes nothing elsewhere, and its changes name nobody from another school.
    """
    reach = scopes.school_ids(session, who)
    if reach is None:
        return None
    return {source for source, schools in source_schools(session).items() if schools <= reach}


def require_run(session: Session, who: Principal, run: m.ImportRun) -> None:
    """Refuse with Forbidden unless ``who`` reaches the run's source."""
    allowed = sources(session, who)
    if allowed is not None and run.source_id not in allowed:
        raise Forbidden(f"{who.name} may not see run {run.id}: it touches other schools")


def schools(session: Session, who: Principal) -> list[m.Node]:
    """The school nodes ``who`` reaches, by name."""
    reach = scopes.school_ids(session, who)
    query = select(m.Node).where(m.Node.kind == "school").order_by(m.Node.name)
    return [node for node in session.scalars(query) if reach is None or node.id in reach]
