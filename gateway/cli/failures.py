"""Every way a command can fail, as one line saying what happened and what to do, and an exit code.

Exit codes (DESIGN §5): 1 a failed run or command, 2 usage (a command, option or setting the
gateway cannot take), 130 interrupted (Ctrl-C). The traceback is for ``--debug`` only.
"""

from __future__ import annotations

import errno
import sqlite3

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gateway.errors import GatewayError, UsageError
from mapping.records import FeedError
from mapping.settings import SettingError

INTERRUPTED = 130
DEBUG_HINT = "rerun with --debug for the traceback"

# What SQLite says, and what it means to an admin.
SQLITE_ERRORS = (
    ("database is locked", "the store is locked by another writer (waited {timeout:g} s): "
     "try again when the other import has finished"),
    ("readonly database", "the store is read-only ({where}): make the file and its folder "
     "writable by this user"),
    ("disk is full", "the disk holding the store is full ({where}): free some space and run again"),
    ("unable to open database file", "cannot open the store ({where}): check that the folder "
     "exists and is writable"),
    ("disk i/o error", "the store's disk failed to read or write ({where}): check the disk"),
)  # fmt: skip


def explain(err: BaseException, database_url: str, busy_timeout: float) -> tuple[int, str]:
    """The exit code for an error and the one line that explains it."""
    if isinstance(err, KeyboardInterrupt):
        return INTERRUPTED, _with_notes("interrupted", err)
    if isinstance(err, UsageError | SettingError):
        return 2, _with_notes(str(err), err)
    if isinstance(err, FeedError | GatewayError):
        return 1, _with_notes(str(err), err)
    if isinstance(err, DBAPIError | sqlite3.Error | psycopg.Error):
        return 1, _with_notes(_store(err, database_url, busy_timeout), err)
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return 1, _with_notes(f"the disk is full ({err.filename}): free some space", err)
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    message = f"unexpected error: {type(err).__name__}: {first}".rstrip(": ")
    return 1, _with_notes(f"{message} ({DEBUG_HINT}, and report it)", err)


def _store(err: Exception, database_url: str, busy_timeout: float) -> str:
    """A store error (SQLAlchemy's, or the driver's from a bulk statement) in words."""
    driver_error = err.orig if isinstance(err, DBAPIError) else err
    said = (str(driver_error).strip() or type(driver_error).__name__).splitlines()[0]
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        for words, meaning in SQLITE_ERRORS:
            if words in said.lower():
                return meaning.format(timeout=busy_timeout, where=url.database)
        return f"the store failed: {said}"
    shown = url.render_as_string(hide_password=True)
    if isinstance(driver_error, psycopg.OperationalError) and "connect" in said.lower():
        return f"cannot reach the store at {shown} ({said}): is the server up and the URL right?"
    return f"the store at {shown} failed: {said}"


def _with_notes(message: str, err: BaseException) -> str:
    """The message and what the engine added on the way up (e.g. the run it recorded failed)."""
    return "; ".join([message, *getattr(err, "__notes__", ())])
