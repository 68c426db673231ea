"""`rostergate bench`: measure imports of generated feeds against their floor.

The benchmark lives in ``bench/`` and runs as ``python -m bench``: the gateway
never imports it (DESIGN §1, enforced by tests/test_layering.py), and every
phase it measures is a process of its own anyway. This module declares the
options (``python -m bench`` takes the same, from here) and hands them over.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from gateway.cli.app import App

# The choices bench/ defines (bench.sizes.SIZES, bench.formats.FORMATS); a test keeps them equal.
SIZES = ("S", "M", "L", "XL")
FORMATS = ("oneroster", "ims", "csv", "all")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The benchmark's options."""
    p.add_argument("--size", choices=SIZES, default="S", help="S, M, L or XL (default S)")
    p.add_argument("--format", choices=FORMATS, default="all", help="which feeds (default all)")
    p.add_argument(
        "--database",
        metavar="URL",
        help="a PostgreSQL server (postgresql://…) to make fresh databases on; "
        "default: fresh SQLite files in a temporary folder",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--keep", metavar="DIR", help="keep the generated feeds here and reuse them")
    p.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    p.add_argument(
        "--runs",
        type=_positive,
        default=3,
        metavar="N",
        help="run each phase and its floor N times, interleaved; the fastest counts (default 3)",
    )


def _positive(text: str) -> int:
    """A whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def cmd_bench(app: App, args: argparse.Namespace) -> int:
    """Run ``python -m bench`` with these options; its exit code is ours."""
    argv = ["--size", args.size, "--format", args.format, "--seed", str(args.seed)]
    argv += ["--runs", str(args.runs)]
    if args.database:
        argv += ["--database", args.database]
    if args.keep:
        argv += ["--keep", args.keep]
    if args.json:
        argv.append("--json")
    sys.stdout.flush()
    return subprocess.run([sys.executable, "-m", "bench", *argv], check=False).returncode


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the bench command to the CLI."""
    p = sub.add_parser("bench", help="measure imports of generated feeds (each phase, its floor)")
    add_arguments(p)
    p.set_defaults(handler=cmd_bench)
