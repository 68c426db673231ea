"""Where the CLI's log lines go and how they look: plain text, or one JSON object a line."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from gateway.sync import runlog

LOG_FORMATS = ("text", "json")


def configure(log_format: str, verbose: bool, serving: bool) -> None:
    """Log warnings (everything with -v) to stderr; runs' lines too when serving or in JSON."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "{levelname}{name}{message}",
                style="{",
                timestamp="time",
                rename_fields={"levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    # A no-op when logging is set up already (the tests' capture, a second call in-process).
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    wanted = serving or log_format == "json"
    runlog.log.setLevel(logging.INFO if wanted else logging.NOTSET)
