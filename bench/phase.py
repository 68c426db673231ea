"""One measured phase, run as ``python -m bench.phase KIND …`` in a process of its own.

The parent times the process and reads its peak memory; this side does the
work and prints one JSON object: the run's report (``import``), the rows
left per entity (``floor``) or the records read (``parse``). Each kind imports only
what it needs, so the floor's process carries no gateway code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.proc import DATABASE_VARIABLE, PEAK_KEY


def do_import(args: argparse.Namespace) -> dict[str, Any]:
    """Import a feed into the store, as ``rostergate import`` does."""
    from gateway.config import Config
    from gateway.feeds import Feed
    from gateway.store.db import make_engine, make_sessions
    from gateway.sync.run import run

    engine = make_engine(args.database)
    config = Config(database_url=args.database)
    try:
        report = run(make_sessions(engine), config, Feed(args.path, args.format))
    finally:
        engine.dispose()
    issues = Counter(f"{i.severity}:{i.code}" for i in report.issues)
    errors = [f"{i.code} {i.key}: {i.message}" for i in report.issues if i.severity == "error"]
    return {
        "state": report.state,
        "error": report.error,
        "held": report.held,
        "counts": report.counts,
        "issues": dict(sorted(issues.items())),
        "errors": errors[:5],
    }


def do_floor(args: argparse.Namespace) -> dict[str, Any]:
    """The floor of a phase: parse, and insert or read back (and write what differs)."""
    from bench import floor

    return {"entities": floor.run(args.floor, args.format, args.path, args.database)}


def do_parse(args: argparse.Namespace) -> dict[str, Any]:
    """Read an IMS document with the gateway's reader, importing nothing."""
    import ims
    from mapping.records import RowIssue

    records: Counter[str] = Counter()
    with args.path.open("rb") as stream:
        for record in ims.read(stream, ims.ReadOptions(file=args.path.name)):
            records[type(record).__name__] += 1
            if isinstance(record, RowIssue) and record.severity == "error":
                records["errors"] += 1
    return {"records": dict(sorted(records.items()))}


KINDS = {"import": do_import, "floor": do_floor, "parse": do_parse}


def main(argv: list[str] | None = None) -> int:
    """Run one phase and print its JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.phase", description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("path", type=Path)
    p.add_argument("--format", default="ims")
    p.add_argument("--floor", choices=("insert", "sync", "parse"), default="insert")
    args = p.parse_args(argv)
    args.database = os.environ.get(DATABASE_VARIABLE, "")
    if args.kind != "parse" and args.floor != "parse" and not args.database:
        p.error(f"{args.kind} needs a database URL in ${DATABASE_VARIABLE}")
    output = KINDS[args.kind](args)
    json.dump({**output, PEAK_KEY: own_peak_kb()}, sys.stdout)
    return 0


def own_peak_kb() -> int | None:
    """This process's own peak RSS (VmHWM, Linux), or None where /proc has none.

    Not ``ru_maxrss``: on exec, Linux folds the high-water mark of the address space
    being replaced into it, and a child started from a big parent (vfork or fork) would
    report the parent's peak instead of its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next((s for s in status if s.startswith("VmHWM:")), "")
    except OSError:
        return None
    return int(line.split()[1]) if line else None


if __name__ == "__main__":
    sys.exit(main())
