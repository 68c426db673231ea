"""Per-school sync settings: what a school has asked the gateway to sync."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mapping.profiles import Category


class SettingError(ValueError):
    """An unknown setting or a value it cannot take."""


@dataclass(frozen=True, slots=True)
class SchoolSettings:
    """One school's sync settings; the defaults are what a new school gets."""

    auto_sync: bool = True
    sync_staff: bool = True
    sync_students: bool = True
    sync_guardians: bool = True
    guardians_from: date | None = None
    sync_subjects: bool = True
    sync_subject_members: bool = True
    sync_classes: bool = True
    sync_class_teachers: bool = True
    force_email_students: bool = False
    force_email_staff: bool = False
    force_email_guardians: bool = False
    allow_manual_members: bool = False

    def syncs(self, category: Category, today: date) -> str:
        """Return "" when people of this category sync, else the setting that stops them."""
        if not self.auto_sync:
            return "auto_sync"
        if category == "guardians":
            if not self.sync_guardians:
                return "sync_guardians"
            if self.guardians_from and self.guardians_from > today:
                return "guardians_from"
            return ""
        flag = "sync_students" if category == "students" else "sync_staff"
        return "" if getattr(self, flag) else flag

    def forces_email(self, category: Category) -> bool:
        """Whether the register's e-mail wins for people of this category."""
        return bool(getattr(self, f"force_email_{category}"))

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain values, dates in ISO form."""
        values = dataclasses.asdict(self)
        values["guardians_from"] = self.guardians_from.isoformat() if self.guardians_from else None
        return values


SETTING_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SchoolSettings))
_TRUE = {"1", "true", "yes", "on", "ja", "j", "y"}
_FALSE = {"0", "false", "no", "off", "nei", "nej", "n"}


def parse_value(key: str, text: str) -> bool | date | None:
    """Parse one ``key=value`` setting, raising SettingError when it is not valid."""
    if key not in SETTING_KEYS:
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(SETTING_KEYS)}")
    value = text.strip()
    if key == "guardians_from":
        if value.casefold() in ("", "none", "now"):
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise SettingError(
                f"guardians_from must be a date (YYYY-MM-DD), not {text!r}"
            ) from None
    if value.casefold() in _TRUE:
        return True
    if value.casefold() in _FALSE:
        return False
    raise SettingError(f"{key} must be true or false, not {text!r}")


def parse_changes(pairs: list[str]) -> dict[str, Any]:
    """Parse ``key=value`` pairs into typed values, raising SettingError on a bad one."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SettingError(f"expected key=value, got {pair!r}")
        changes[key.strip()] = parse_value(key.strip(), value)
    return changes


def apply_changes(settings: SchoolSettings, pairs: list[str]) -> SchoolSettings:
    """Return the settings with ``key=value`` pairs applied."""
    return dataclasses.replace(settings, **parse_changes(pairs))


def from_dict(values: Mapping[str, Any], base: SchoolSettings | None = None) -> SchoolSettings:
    """Settings from plain values (as ``as_dict`` gives them) laid over ``base``."""
    changes = dict(values)
    if isinstance(changes.get("guardians_from"), str):
        changes["guardians_from"] = date.fromisoformat(changes["guardians_from"])
    return dataclasses.replace(base or SchoolSettings(), **changes)
