"""A pull source's settings: which kind of pull, where from, and its credentials (encrypted).

Stored on the source's ``pull`` column as one JSON object. Secrets (``SECRETS``) are
encrypted on the way in (``checked``) and never leave again:
``gateway.store.pulls.public`` drops them and names which are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yarl import URL

from gateway.config import Config
from gateway.errors import UsageError
from gateway.pull import crypt
from gateway.store.pulls import SECRETS

# The source formats a pull fetches: REST collections, or a file in one of the feed formats.
REST = "oneroster-rest"
FILE_FORMATS = ("ims", "oneroster", "csv")
# Every key a kind takes, and which it must have.
KEYS: dict[str, tuple[str, ...]] = {
    "rest": ("url", "version", "client_id", "client_secret", "token_url", "scope"),
    "url": ("url", "username", "password", "token"),
    "sftp": (
        "sftp_host",
        "sftp_port",
        "sftp_user",
        "sftp_password",
        "sftp_key",
        "sftp_host_key",
        "sftp_path",
        "pattern",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "rest": ("url", "client_id", "client_secret"),
    "url": ("url",),
    "sftp": ("sftp_host", "sftp_user", "sftp_host_key", "sftp_path"),
}
VERSIONS = ("1.1", "1.2")


def kind_of(fmt: str, values: Mapping[str, Any]) -> str:
    """The kind of pull the settings describe: rest, url or sftp."""
    if fmt == REST:
        return "rest"
    return "sftp" if values.get("sftp_host") else "url"


def _http_url(value: Any, key: str) -> str:
    """An http(s) URL with a host."""
    url = URL(str(value))
    if url.scheme not in ("http", "https") or not url.host:
        raise UsageError(f"{key} must be an http:// or https:// URL, not {value!r}")
    if url.user or url.password:  # it would be shown wherever the URL is
        raise UsageError(f"{key}: give credentials as username/password or token, not in the URL")
    return str(value)


def changed(
    config: Config, fmt: str, stored: Mapping[str, Any] | None, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Stored settings with ``changes`` laid over (None clears a key); secrets not given kept."""
    kept = {k: v for k, v in (stored or {}).items() if k != "kind" and k not in changes}
    plain = {k: v for k, v in kept.items() if k not in SECRETS}
    out = checked(config, fmt, {**plain, **changes}, {k: kept[k] for k in SECRETS if k in kept})
    return out


def checked(
    config: Config,
    fmt: str,
    values: Mapping[str, Any],
    encrypted: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Settings for a source of format ``fmt`` checked, blanks dropped, secrets encrypted.

    ``encrypted``: secrets already stored (encrypted), kept as they are.
    """
    given = {k: v for k, v in {**(encrypted or {}), **values}.items() if v not in (None, "")}
    kind = kind_of(fmt, given)
    if kind != "rest" and fmt not in FILE_FORMATS:
        raise UsageError(f"a pulled file is one of {', '.join(FILE_FORMATS)}, not {fmt!r}")
    unknown = sorted(set(given) - set(KEYS[kind]))
    if unknown:
        raise UsageError(f"a {kind} pull takes no {', '.join(unknown)}")
    missing = [k for k in REQUIRED[kind] if k not in given]
    if kind == "sftp" and not ({"sftp_password", "sftp_key"} & set(given)):
        missing.append("sftp_key or sftp_password")
    if missing:
        raise UsageError(f"a {kind} pull needs {', '.join(missing)}")
    out: dict[str, Any] = {"kind": kind}
    for key, value in given.items():
        out[key] = value if key in (encrypted or {}) else _value(config, key, value)
    return out


def _value(config: Config, key: str, value: Any) -> Any:
    """One setting checked (a secret encrypted)."""
    if key in SECRETS:
        return crypt.encrypt(config, str(value))
    if key in ("url", "token_url"):
        return _http_url(value, key)
    if key == "version" and str(value) not in VERSIONS:
        raise UsageError(f"version must be one of {', '.join(VERSIONS)}, not {value!r}")
    if key == "sftp_port":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"sftp_port must be a port number, not {value!r}") from None
    return str(value)


def secret(config: Config, pull: Mapping[str, Any], key: str) -> str:
    """One stored secret in the clear, or "" when not set."""
    token = pull.get(key)
    return crypt.decrypt(config, str(token)) if token else ""
