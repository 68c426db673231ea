"""How a source is doing: its last successful run, whether its pulls fail, whether it is stale.

Read from the runs in the store, so every replica tells the same. A scheduled source is
*failing* while its latest finished run failed (a pull that gave up after its attempts
records one); any source is *stale* when it has had no successful run for longer than its
``stale_after`` hours (0: never stale), counted from when it was added if it never had one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.config import Config
from gateway.store import models as m

SUCCESS = ("applied",)


@dataclass(frozen=True)
class Health:
    """One source's health."""

    last_success: datetime | None
    failing: str | None  # the failed run's reason, when the source's pulls fail
    stale: bool

    def as_dict(self) -> dict[str, Any]:
        """As the API and `source show --json` give it."""
        return {"last_success": self.last_success, "failing": self.failing, "stale": self.stale}


def of(
    session: Session, config: Config, source: m.Source, settings: Mapping[str, Any], now: datetime
) -> Health:
    """The health of one source; ``settings``: its effective settings."""
    run = m.ImportRun
    mine = (run.source_id == source.id, run.dry_run.is_(False), run.finished_at.is_not(None))
    last_success = session.scalar(
        select(func.max(run.finished_at)).where(*mine, run.state.in_(SUCCESS))
    )
    failing = None
    if source.schedule:
        latest = session.execute(
            select(run.state, run.error)
            .where(*mine)
            .order_by(run.finished_at.desc(), run.id.desc())
        ).first()
        if latest is not None and latest.state == "failed":
            failing = latest.error or "failed"
    hours = float(settings.get("stale_after", config.stale_after))
    since = last_success or source.created_at
    stale = bool(hours) and source.retired_at is None and since < now - timedelta(hours=hours)
    return Health(last_success, failing, stale)
