"""`rostergate`: the command line. Errors become exit codes here, and only here."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from gateway import config as configuration
from gateway.cli import (
    admins,
    bench,
    clean,
    failures,
    listing,
    local,
    logs,
    mail,
    oauth,
    policy,
    pulls,
    render,
    runs,
    schedules,
    serve,
    sources,
)
from gateway.cli.app import App
from gateway.config import Config
from gateway.errors import UsageError

COMMANDS = (
    runs,
    listing,
    policy,
    local,
    mail,
    admins,
    sources,
    pulls,
    schedules,
    oauth,
    clean,
    serve,
    bench,
)


class BadArguments(UsageError):
    """The command line does not parse; carries the usage line of the command it names."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class Parser(argparse.ArgumentParser):
    """An argument parser that raises its errors, so that ``--json`` can print them as JSON."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing and exiting."""
        command = self.prog.removeprefix("rostergate").strip()
        raise BadArguments(f"{command}: {message}" if command else message, self.format_usage())


def parser() -> argparse.ArgumentParser:
    """The argument parser with every command registered."""
    top = Parser(prog="rostergate", description=__doc__.splitlines()[0])
    top.add_argument(
        "--config", help="config file (default: rostergate.toml or $ROSTERGATE_CONFIG)"
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    top.add_argument("--debug", action="store_true", help="show a failure's traceback (anywhere)")
    top.add_argument(
        "--log-format",
        choices=logs.LOG_FORMATS,
        default="text",
        help="json: log lines as JSON objects, with one line per run (serve logs runs either way)",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="command", help="one of these:")
    for module in COMMANDS:
        module.register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    app: App | None = None
    try:
        # --debug may stand anywhere on the line: it is read from argv, not parsed.
        args = parser().parse_args([a for a in argv if a != "--debug"])
        logs.configure(args.log_format, args.verbose, serving=args.command == "serve")
        app = App(configuration.load(args.config))
        return int(args.handler(app, args))
    except BrokenPipeError:
        # The reader went away (`rostergate list accounts | head`); that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (Exception, KeyboardInterrupt) as err:
        return _failed(err, argv, app.config if app else Config())
    finally:
        if app is not None:
            app.close()


def _failed(err: BaseException, argv: list[str], config: Config) -> int:
    """Print a failure as one line (JSON with --json), its traceback only when debugging."""
    code, message = failures.explain(err, config.database_url, config.busy_timeout)
    if "--debug" in argv or os.environ.get("ROSTERGATE_DEBUG", "") not in ("", "0"):
        traceback.print_exception(err, file=sys.stderr)
    if "--json" in argv:
        print(render.dump({"error": message}))
    else:
        if isinstance(err, BadArguments):
            print(err.usage, end="", file=sys.stderr)
        print(f"rostergate: {message}", file=sys.stderr)
    return code
