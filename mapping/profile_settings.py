"""The profile settings catalogue: what each setting is, what it takes, and what it starts as.

The catalogue is data (``profile_catalogue.csv``, one row per setting): its key, section,
type (``bool``, ``scope``, ``choice``, ``number`` with a unit and range, ``roles``), allowed
values, label and default for each of the six standard profiles. Errors carry an English
template and its parameters, so the admin UI can show them in the admin's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import IO, Any, Literal

Kind = Literal["bool", "scope", "choice", "number", "roles"]
Value = bool | int | str
STANDARD = ("System administrator", "Administrator", "Staff", "Student", "Guardian", "Guest")
STANDARD_LEVELS = (100, 50, 30, 20, 12, 10)
_ON = {"on", "true", "yes", "1", "✓"}
_OFF = {"off", "false", "no", "0", "✗"}
_NUMBER = re.compile(r"\s*(-?\d+)\s*([^\d\s]*)\s*")


def N_(text: str) -> str:
    """Mark a text for the catalogues (`make messages`); it is translated where it is shown."""
    return text


UNKNOWN = N_("%(key)s is not a profile setting (`rostergate profiles matrix` lists them)")
NOT_BOOL = N_("%(key)s is on or off (true or false), not %(value)s")
NOT_ALLOWED = N_("%(key)s takes one of %(allowed)s, not %(value)s")
NOT_NUMBER = N_("%(key)s takes a whole number, not %(value)s")
WRONG_UNIT = N_("%(key)s is counted in %(unit)s, not %(value)s")
TOO_LOW = N_("%(key)s must be at least %(low)s, not %(value)s")
TOO_HIGH = N_("%(key)s must be at most %(high)s, not %(value)s")
NOT_SETTABLE = N_("%(key)s cannot be changed: create a profile from one that has the value")
LEVEL_TAKEN = N_("security level %(value)s is already %(profile)s's: each profile needs its own")
NAME_TAKEN = N_("there is already a profile named %(value)s")
NO_NAME = N_("a profile needs a name")


class ProfileValueError(ValueError):
    """A setting or value a profile cannot take: an English template and its parameters."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(template % params)


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the catalogue."""

    key: str
    section: str
    kind: Kind
    allowed: tuple[str, ...]
    unit: str
    low: int | None
    high: int | None
    defaults: Mapping[str, Value]
    label: str

    def parse(self, text: str) -> Value:
        """A value from its words (``true``, ``site``, ``480``, ``51200 KB``), checked."""
        word = text.strip()
        if self.kind == "bool":
            if word.casefold() in _ON | _OFF:
                return word.casefold() in _ON
            raise ProfileValueError(NOT_BOOL, key=self.key, value=repr(text))
        if self.kind == "number":
            found = _NUMBER.fullmatch(word)
            if not found:
                raise ProfileValueError(NOT_NUMBER, key=self.key, value=repr(text))
            number, unit = found.groups()
            if unit and unit.casefold() != self.unit.casefold():
                raise ProfileValueError(WRONG_UNIT, key=self.key, unit=self.unit, value=repr(text))
            return self.check(int(number))
        return self.check(word.casefold())

    def check(self, value: object) -> Value:
        """A typed value (as JSON carries it) checked against the setting's type and range."""
        if self.kind == "roles":
            raise ProfileValueError(NOT_SETTABLE, key=self.key)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ProfileValueError(NOT_BOOL, key=self.key, value=repr(value))
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ProfileValueError(NOT_NUMBER, key=self.key, value=repr(value))
            if self.low is not None and value < self.low:
                raise ProfileValueError(TOO_LOW, key=self.key, low=self.low, value=value)
            if self.high is not None and value > self.high:
                raise ProfileValueError(TOO_HIGH, key=self.key, high=self.high, value=value)
            return value
        if isinstance(value, str) and value in self.allowed:
            return value
        allowed = ", ".join(self.allowed)
        raise ProfileValueError(NOT_ALLOWED, key=self.key, allowed=allowed, value=repr(value))


@dataclass(frozen=True)
class Catalogue:
    """Every setting, in the catalogue's order."""

    settings: tuple[Setting, ...]

    def __getitem__(self, key: str) -> Setting:
        for setting in self.settings:
            if setting.key == key:
                return setting
        raise ProfileValueError(UNKNOWN, key=repr(key))

    def sections(self) -> list[tuple[str, list[Setting]]]:
        """The settings grouped by section, in the catalogue's order."""
        grouped: dict[str, list[Setting]] = {}
        for setting in self.settings:
            grouped.setdefault(setting.section, []).append(setting)
        return list(grouped.items())

    def defaults(self, profile: str, level: int) -> dict[str, Value]:
        """What a profile starts with: its standard column, else that of the nearest standard
        profile at or below its level (Guest's for anything lower)."""
        standard = next((s for s in STANDARD if s.casefold() == profile.casefold()), None)
        if standard is None:
            below = [s for s, lv in zip(STANDARD, STANDARD_LEVELS, strict=True) if lv <= level]
            standard = below[0] if below else STANDARD[-1]
        return {s.key: s.defaults[standard] for s in self.settings if s.kind != "roles"}


def _bound(text: str) -> int | None:
    """A range bound of the catalogue, or None."""
    return int(text) if text else None


def _setting(row: Mapping[str, str]) -> Setting:
    """One catalogue row as a Setting, its defaults checked against its own type."""
    kind: Kind = row["type"]  # type: ignore[assignment]
    allowed = tuple(row["allowed"].split("|")) if row["allowed"] else ()
    bare = Setting(
        row["key"], row["section"], kind, allowed, row["unit"],
        _bound(row["min"]), _bound(row["max"]), {}, row["label"],
    )  # fmt: skip
    if kind == "roles":
        return bare
    defaults = {name: bare.parse(row[name]) for name in STANDARD}
    return Setting(**{**{f: getattr(bare, f) for f in bare.__slots__}, "defaults": defaults})


def parse(text: str) -> Catalogue:
    """A catalogue from its CSV text."""
    return Catalogue(tuple(_setting(row) for row in csv.DictReader(io.StringIO(text))))


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue."""
    return parse(files("mapping").joinpath("profile_catalogue.csv").read_text(encoding="utf-8"))


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor: the catalogue's labels, sections and choice words for translation."""
    text = fileobj.read().decode("utf-8")
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        yield line, None, row["label"], []
        yield line, None, row["section"], []
        if row["type"] == "choice":
            for word in row["allowed"].split("|"):
                yield line, None, word.replace("_", " "), []
