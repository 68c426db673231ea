"""`rostergate clean`: remove spool files and previews' plans past the retention period."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import UTC, datetime

from gateway.cli import render
from gateway.cli.app import App
from gateway.store import retention


def cmd_clean(app: App, args: argparse.Namespace) -> int:
    """Clean once and print what went."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.sessions.begin() as session:
        cleaned = retention.clean(session, app.config, now)
    if args.json:
        print(render.dump(dataclasses.asdict(cleaned)))
        return 0
    days = f"{app.config.retention_days:g}"
    for path in cleaned.spool_files:
        print(f"removed spool file {path}")
    for run in cleaned.plans:
        print(f"removed the kept plan of run {run}")
    if not (cleaned.spool_files or cleaned.plans):
        print(f"nothing older than {days} days to remove")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the clean command to the CLI."""
    p = sub.add_parser(
        "clean",
        help="remove spool files and previews' kept plans older than retention_days",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_clean)
