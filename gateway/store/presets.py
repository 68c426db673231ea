"""Settings before a school exists: site defaults, and settings kept for a named school.

A new school starts from the defaults, then from what an admin set for its key or
name before it arrived; the writer claims that preset for the school it creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from gateway.store import models as m
from mapping.settings import SchoolSettings, from_dict

DEFAULTS = ""


@dataclass
class Presets:
    """The site defaults and the unclaimed presets by school key or folded name."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    pending: dict[str, tuple[int, Mapping[str, Any]]] = field(default_factory=dict)

    def match(self, key: str, name: str) -> tuple[int, Mapping[str, Any]] | None:
        """The preset kept for a school by its key, else by its name."""
        return self.pending.get(key) or self.pending.get(name.casefold())

    def for_school(self, key: str, name: str) -> SchoolSettings:
        """The settings a new school with this key and name starts with."""
        found = self.match(key, name)
        return from_dict(found[1] if found else {}, from_dict(self.defaults))


def load(conn: Session | Connection) -> Presets:
    """The defaults and every preset no school has claimed yet."""
    presets = Presets()
    rows = conn.execute(
        select(m.SettingsPreset.id, m.SettingsPreset.school, m.SettingsPreset.values).where(
            m.SettingsPreset.node_id.is_(None)
        )
    )
    for preset_id, school, values in rows:
        if school == DEFAULTS:
            presets.defaults = values
        else:
            presets.pending[school] = presets.pending[school.casefold()] = (preset_id, values)
    return presets


def claim(conn: Session | Connection, preset_id: int, node_id: int) -> None:
    """Mark a preset as applied to the school it was kept for."""
    conn.execute(
        update(m.SettingsPreset).where(m.SettingsPreset.id == preset_id).values(node_id=node_id)
    )


def save(session: Session, school: str, values: Mapping[str, Any]) -> None:
    """Keep ``values`` for the site defaults (``school`` empty) or for a school to come."""
    row = session.scalar(
        select(m.SettingsPreset).where(
            m.SettingsPreset.school == school, m.SettingsPreset.node_id.is_(None)
        )
    )
    if row is None:
        session.add(m.SettingsPreset(school=school, values=dict(values)))
    else:
        row.values = dict(values)
