"""Configuration: a frozen dataclass loaded once from TOML and ROSTERGATE_* variables.

Every key, site-wide or under ``[sources.NAME]``, is one row of ``SETTINGS``: its type, the
values it may take and what it is for. A value of the wrong type or out of range, or a key
that is not there, is refused with the key named.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from gateway.errors import UsageError
from mapping.usernames import USERNAME_MODES

DEFAULT_CONFIG_FILE = "rostergate.toml"


@dataclass(frozen=True)
class Config:
    """Everything the gateway reads from its environment."""

    data_dir: str = field(default_factory=lambda: default_data_dir(os.environ))
    database_url: str = ""  # empty: rostergate.db in data_dir
    spool_dir: str = ""  # empty: spool in data_dir
    removal_threshold: float = 0.10
    removal_window: float = 24.0  # hours of applied runs whose removals add up; 0: each run alone
    removal_min: int = 2  # a school losing fewer than this within the window is never held
    usernames: str = "generate-if-taken"
    pifu_schema: str = ""
    max_line_bytes: int = 1048576  # the longest line or field a reader holds in memory
    host: str = "127.0.0.1"
    port: int = 8080
    busy_timeout: float = 30.0
    heartbeat_timeout: float = 600.0
    workers: int = 1
    push_max_bytes: int = 512 * 1024 * 1024  # the largest body POST /push takes
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    retention_days: float = 30.0
    keep_feeds: int = 3  # each source's latest applied feeds kept to run again
    stale_after: float = 0.0  # hours without a successful run before a source is stale; 0: never
    quiet_after: float = 72.0  # hours without any run before the dashboard names it; 0: never
    schedule_grace: float = 300.0  # seconds a scheduled firing may start late
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    password_length: int = 12
    password_alphabet: str = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    smtp_host: str = ""  # empty: access e-mails wait in the outbox
    smtp_port: int = 25
    smtp_from: str = "rostergate@localhost"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    mail_language: str = "nb"
    mail_attempts: int = 5
    mail_backoff: float = 60.0
    signin_url: str = ""
    pull_attempts: int = 3  # a pull's downloads before its run is failed
    pull_backoff_seconds: float = 5.0  # the wait after a pull's first failed try; doubles after
    secret_key: str = ""  # a Fernet key for pull credentials (or $ROSTERGATE_SECRET_KEY)

    def __post_init__(self) -> None:
        """Derive the store and the spool from the data directory when not set."""
        data = Path(self.data_dir)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{data / 'rostergate.db'}")
        if not self.spool_dir:
            object.__setattr__(self, "spool_dir", str(data / "spool"))


def default_data_dir(env: Mapping[str, str]) -> str:
    """Where the gateway keeps its files: the same place whatever the working directory."""
    if env.get("ROSTERGATE_DATA_DIR"):
        return _absolute(env["ROSTERGATE_DATA_DIR"])
    base = env.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return _absolute(str(Path(base) / "rostergate"))


def _absolute(path: str) -> str:
    """A path with ``~`` expanded, made absolute against the working directory."""
    return str(Path(path).expanduser().absolute())


@dataclass(frozen=True)
class Check:
    """A test a setting's value must pass, and how the message says it."""

    test: Callable[[Any], bool]
    expects: str


SHARE = Check(lambda v: 0 <= v <= 1, "from 0 to 1")
POSITIVE = Check(lambda v: 0 < v < math.inf, "more than 0")
COUNT = Check(lambda v: 0 <= v < math.inf, "0 or more")
PORT = Check(lambda v: 0 < v < 65536, "from 1 to 65535")
NETWORKS = Check(lambda v: all(_network(n) for n in v), "of networks such as 10.0.0.0/8")
LENGTH = Check(lambda v: 8 <= v <= 128, "from 8 to 128")
ALPHABET = Check(lambda v: len(set(v)) >= 10, "of at least 10 different characters")
LANGUAGES = ("nb", "sv", "en")
SITE, SOURCE, BOTH = "site", "source", "both"  # top level, under [sources.NAME], either


@dataclass(frozen=True)
class Setting:
    """One config key: its type, where it may stand, the values it takes and what it is for."""

    kind: type
    scope: str
    allowed: tuple[str, ...] | Check | None
    help: str


SETTINGS: dict[str, Setting] = {
    "data_dir": Setting(str, SITE, None, "the gateway's files (default ~/.local/share/rostergate)"),
    "database_url": Setting(str, SITE, None, "the store: any SQLAlchemy URL (default in data_dir)"),
    "spool_dir": Setting(str, SITE, None, "pushed bodies wait here (default data_dir/spool)"),
    "retention_days": Setting(float, SITE, POSITIVE, "days spool files and previews' plans stay"),
    "keep_feeds": Setting(int, SITE, COUNT, "each source's latest applied feeds kept to re-run"),
    "schedule_grace": Setting(float, SITE, POSITIVE, "seconds a scheduled pull may start late"),
    "stale_after": Setting(float, BOTH, COUNT, "hours without a successful run: stale; 0: never"),
    "quiet_after": Setting(float, BOTH, COUNT, "hours without a run: quiet (dashboard); 0: never"),
    "metrics_allow": Setting(list, SITE, NETWORKS, "addresses that read /metrics without a token"),
    "host": Setting(str, SITE, None, "the address `serve` listens on"),
    "port": Setting(int, SITE, PORT, "the port `serve` listens on"),
    "busy_timeout": Setting(float, SITE, COUNT, "seconds a SQLite write waits for others"),
    "heartbeat_timeout": Setting(float, SITE, POSITIVE, "seconds before a silent run is gone"),
    "workers": Setting(int, SITE, COUNT, "import workers in `serve` (at most 1 on SQLite)"),
    "push_max_bytes": Setting(int, SITE, POSITIVE, "the largest body a push may send"),
    "removal_threshold": Setting(float, BOTH, SHARE, "the share a run may remove unheld"),
    "usernames": Setting(str, BOTH, USERNAME_MODES, "how usernames are chosen"),
    "pifu_schema": Setting(str, BOTH, None, "an XSD to validate PIFU-IMS feeds against"),
    "mode": Setting(str, SOURCE, ("full", "delta"), "IMS feeds without properties/type"),
    "target": Setting(str, SOURCE, None, "skip IMS files whose target is another"),
    "removals": Setting(bool, SOURCE, None, "false: removals are reported, not made"),
    "repair_xml": Setting(bool, SOURCE, None, "read a bare & in IMS XML as &amp;"),
    "removal_window": Setting(float, BOTH, COUNT, "hours of runs the threshold adds up; 0: each"),
    "removal_min": Setting(int, BOTH, COUNT, "removals below this never hold a run"),
    "max_line_bytes": Setting(int, BOTH, POSITIVE, "the longest line or field a reader holds"),
    "columns": Setting(dict, SOURCE, None, "the CSV's headers mapped to fields, as --columns"),
    "password_length": Setting(int, SITE, LENGTH, "characters in a generated password"),
    "password_alphabet": Setting(str, SITE, ALPHABET, "characters a generated password draws on"),
    "smtp_host": Setting(str, SITE, None, "the SMTP server access e-mails go through"),
    "smtp_port": Setting(int, SITE, PORT, "the SMTP server's port"),
    "smtp_from": Setting(str, SITE, None, "the sender of access e-mails"),
    "smtp_starttls": Setting(bool, SITE, None, "true: STARTTLS before signing in to SMTP"),
    "smtp_username": Setting(str, SITE, None, "the SMTP sign-in (empty: none)"),
    "smtp_password": Setting(str, SITE, None, "the SMTP password"),
    "mail_language": Setting(str, BOTH, LANGUAGES, "the language of access e-mails"),
    "mail_attempts": Setting(int, SITE, POSITIVE, "tries before an access e-mail is given up"),
    "mail_backoff": Setting(float, SITE, COUNT, "seconds before the first retry, doubling"),
    "signin_url": Setting(str, SITE, None, "the LMS's sign-in address, told in access e-mails"),
    "welcome_email": Setting(bool, SOURCE, None, "true: e-mail new accounts their access data"),
    "pull_attempts": Setting(int, SITE, POSITIVE, "tries of a pull's download before it fails"),
    "pull_backoff_seconds": Setting(float, SITE, COUNT, "seconds after a pull's first failed try"),
    "secret_key": Setting(str, SITE, None, "Fernet key that encrypts pull credentials"),
}

KIND_WORDS = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string",
    dict: "a table",
    list: "a list",
}


def _network(text: object) -> bool:
    """Whether a text is an IP network (``10.0.0.0/8``) or address."""
    try:
        ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return False
    return isinstance(text, str)


def _typed(kind: type, value: Any) -> Any:
    """A TOML value as the setting's type, or None when it is of another type."""
    if isinstance(value, bool) != (kind is bool):
        return None
    if kind is float and isinstance(value, int | float):
        return float(value)
    if kind is list:
        return tuple(value) if isinstance(value, list) else None
    return value if isinstance(value, kind) else None


def _parsed(kind: type, text: str) -> Any:
    """An environment string as the setting's type, or None when it does not parse."""
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    try:
        if kind is bool:
            return words.get(text.strip().lower())
        if kind is list:
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return kind(text)
    except ValueError:
        return None


def _valid(label: str, key: str, value: Any, env: bool = False) -> Any:
    """The value checked against its setting; a UsageError naming it by ``label`` when wrong."""
    setting = SETTINGS[key]
    typed = _parsed(setting.kind, value) if env else _typed(setting.kind, value)
    allowed = setting.allowed
    if isinstance(allowed, tuple):
        wanted, ok = f"one of {', '.join(allowed)}", typed in allowed
    else:
        wanted = KIND_WORDS[setting.kind] + (f" {allowed.expects}" if allowed else "")
        ok = typed is not None and (allowed is None or allowed.test(typed))
    if not ok:
        raise UsageError(f"{label} must be {wanted}, not {value!r} ({setting.help})")
    return typed


def _known(where: str, keys: Mapping[str, Any], scope: str) -> None:
    """Refuse keys that are not settings of this scope, suggesting the nearest one."""
    allowed = [k for k, s in SETTINGS.items() if s.scope in (scope, BOTH)]
    for key in keys:
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {near[0]}?)" if near else f"; known: {', '.join(allowed)}"
            raise UsageError(f"{where}unknown setting {key}{hint}")


SOURCE_KEYS: tuple[str, ...] = tuple(k for k, s in SETTINGS.items() if s.scope in (SOURCE, BOTH))


def source_setting(key: str, value: Any, where: str = "") -> Any:
    """One per-source setting checked like the config's; text (a command line's) is parsed.

    A table (``columns``) given as text is read as a TOML inline table.
    """
    _known(where, {key: value}, SOURCE)
    if isinstance(value, str) and SETTINGS[key].kind is dict:
        with contextlib.suppress(tomllib.TOMLDecodeError):  # then refused as the wrong type
            value = tomllib.loads(f"value = {value}")["value"]
    return _valid(f"{where}{key}", key, value, env=isinstance(value, str))


def _sources(path: Path, tables: Any) -> dict[str, dict[str, Any]]:
    """The ``[sources.NAME]`` tables, every key and value checked."""
    if not isinstance(tables, dict):
        raise UsageError(f"{path}: sources must be a table of [sources.NAME] tables")
    out = {}
    for name, table in tables.items():
        where = f"{path} [sources.{name}]: "
        if not isinstance(table, dict):
            raise UsageError(f"{where}must be a table of settings, not {table!r}")
        _known(where, table, SOURCE)
        out[name] = {k: _valid(f"{where}{k}", k, v) for k, v in table.items()}
    return out


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
    sources = _sources(path, values.pop("sources", {}))
    _known(f"{path}: ", values, SITE)
    values = {k: _valid(f"{path}: {k}", k, v) for k, v in values.items()}
    for key in (f.name for f in fields(Config) if f.name != "sources"):
        name = f"ROSTERGATE_{key.upper()}"
        if name in env:
            values[key] = _valid(name, key, env[name], env=True)
    values["data_dir"] = _absolute(values.get("data_dir") or default_data_dir(env))
    return Config(sources=sources, **values)
