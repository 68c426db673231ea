"""The one place that decides who may see or change what.

A site admin reaches everything. A school admin, and a vendor's source, reach the
schools they were given: by key, path or name, resolved against the store each time,
so a school named before it first arrives is in scope from its first import on.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import Forbidden
from gateway.store import models as m
from gateway.store.queries import node_paths
from gateway.sync.scope import covers

Kind = Literal["site", "school", "source"]


@dataclass(frozen=True)
class Principal:
    """Who is asking: a site admin, a school admin or a vendor source."""

    kind: Kind
    name: str
    schools: tuple[str, ...] = field(default=())

    @property
    def everywhere(self) -> bool:
        """Whether no school is out of reach (a site admin, or a source for all schools)."""
        return self.kind == "site" or (self.kind == "source" and not self.schools)


def school_ids(session: Session, who: Principal) -> frozenset[int] | None:
    """The ids of the school nodes ``who`` reaches; None when that is every school."""
    if who.everywhere:
        return None
    wanted = set(who.schools)
    paths = node_paths(session)
    schools = session.execute(
        select(m.Node.id, m.Node.sync_key, m.Node.name).where(m.Node.kind == "school")
    )
    return frozenset(
        node_id
        for node_id, key, name in schools
        if covers(wanted, key, name, paths.get(node_id, name))
    )


def may_reach(session: Session, who: Principal, school_id: int | None) -> bool:
    """Whether ``who`` may see or change what belongs to the school ``school_id``.

    What belongs to no school (a site-level node, a source's own settings) is the
    site admin's alone.
    """
    reach = school_ids(session, who)
    if reach is None:
        return True
    return school_id is not None and school_id in reach


def require(session: Session, who: Principal, school_id: int | None, what: str) -> None:
    """Refuse with Forbidden unless ``who`` may reach the school."""
    if not may_reach(session, who, school_id):
        raise Forbidden(f"{who.name} may not {what}: outside their schools")


def require_any(session: Session, who: Principal, schools: Collection[int], what: str) -> None:
    """Refuse unless ``who`` reaches one of the schools (to see what spans several)."""
    reach = school_ids(session, who)
    if reach is not None and not reach & set(schools):
        raise Forbidden(f"{who.name} may not {what}: outside their schools")


def require_all(session: Session, who: Principal, schools: Collection[int], what: str) -> None:
    """Refuse unless ``who`` reaches every one of the schools, and there is one (to change
    what spans several: a change must not reach into a school that is not theirs)."""
    reach = school_ids(session, who)
    if reach is not None and not (schools and set(schools) <= reach):
        raise Forbidden(f"{who.name} may not {what}: it reaches beyond their schools")


def require_site(who: Principal, what: str) -> None:
    """Refuse with Forbidden unless ``who`` is a site admin."""
    if who.kind != "site":
        raise Forbidden(f"{who.name} may not {what}: site admins only")
