"""``python -m bench`` (also ``rostergate bench``): generate feeds, measure imports, check them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import report, runner
from bench.formats import FORMATS
from bench.sizes import SIZES
from gateway.cli.bench import add_arguments


def _say(message: str) -> None:
    """Progress, on stderr so it never mixes with the results."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when any check failed, 2 on a usage error."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    add_arguments(p)
    args = p.parse_args(argv)
    formats = list(FORMATS) if args.format == "all" else [args.format]
    keep = Path(args.keep) if args.keep else None
    options = runner.Options(SIZES[args.size], formats, args.database, args.seed, keep, args.runs)
    database = "sqlite"
    if args.database:
        url = make_url(args.database)
        if url.get_backend_name() != "postgresql":
            p.error(f"--database takes a postgresql:// URL, not {args.database!r}")
        database = url.render_as_string(hide_password=True)
    feeds, results = runner.run(options, _say)
    if args.json:
        print(
            json.dumps(report.as_json(args.size, database, results), indent=2, ensure_ascii=False)
        )
    else:
        print(report.table(feeds, database, results))
    failed = report.failures(results)
    for block in failed:
        print(f"rostergate bench: {block}", file=sys.stderr)
    return 1 if failed else 0
