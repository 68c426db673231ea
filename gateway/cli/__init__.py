"""`rostergate`: the command line. Errors become exit codes here, and only here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from gateway import config as configuration
from gateway.cli import admins, bench, listing, local, policy, runs, serve
from gateway.cli.app import App
from gateway.errors import ConflictError, Forbidden, NotFound, RuleError, UsageError
from mapping.records import FeedError
from mapping.settings import SettingError

COMMANDS = (runs, listing, policy, local, admins, serve, bench)


def parser() -> argparse.ArgumentParser:
    """The argument parser with every command registered."""
    top = argparse.ArgumentParser(prog="rostergate", description=__doc__.splitlines()[0])
    top.add_argument(
        "--config", help="config file (default: rostergate.toml or $ROSTERGATE_CONFIG)"
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    sub = top.add_subparsers(dest="command", required=True, metavar="command")
    for module in COMMANDS:
        module.register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    app: App | None = None
    try:
        app = App(configuration.load(args.config))
        return int(args.handler(app, args))
    except (UsageError, SettingError) as err:
        print(f"rostergate: {err}", file=sys.stderr)
        return 2
    except (FeedError, NotFound, RuleError, ConflictError, Forbidden) as err:
        print(f"rostergate: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`rostergate list accounts | head`); that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if app is not None:
            app.close()
