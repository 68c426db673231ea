"""Configuration: a frozen dataclass loaded once from TOML and ROSTERGATE_* variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from gateway.errors import UsageError

DEFAULT_CONFIG_FILE = "rostergate.toml"


@dataclass(frozen=True)
class Config:
    """Everything the gateway reads from its environment."""

    database_url: str = "sqlite:///var/rostergate.db"
    removal_threshold: float = 0.10
    removal_window: float = 24.0  # hours of applied runs whose removals add up; 0: each run alone
    removal_min: int = 2  # a school losing fewer than this within the window is never held
    usernames: str = "generate-if-taken"
    pifu_schema: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _coerce(name: str, value: str) -> Any:
    """Turn an environment string into the type of the Config field."""
    kind = {f.name: f.type for f in fields(Config)}[name]
    try:
        return {"float": float, "int": int}.get(str(kind), str)(value)
    except ValueError:
        raise UsageError(f"ROSTERGATE_{name.upper()} must be a {kind}, not {value!r}") from None


def load(path: str | Path | None = None, env: Mapping[str, str] = os.environ) -> Config:
    """Load the config file (if any), then let ROSTERGATE_* variables override it."""
    path = Path(path or env.get("ROSTERGATE_CONFIG") or DEFAULT_CONFIG_FILE)
    values: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as fh:
            try:
                values = tomllib.load(fh)
            except tomllib.TOMLDecodeError as err:
                raise UsageError(f"{path}: {err}") from err
    known = {f.name for f in fields(Config)}
    unknown = set(values) - known
    if unknown:
        raise UsageError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
    for name in known - {"sources"}:
        if f"ROSTERGATE_{name.upper()}" in env:
            values[name] = _coerce(name, env[f"ROSTERGATE_{name.upper()}"])
    return replace(Config(), **values)
