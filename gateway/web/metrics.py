"""Prometheus metrics at ``/metrics``: one registry per app, nothing at import time.

What lives in the store (runs by source and state, the queue's depth) is read from it at
each scrape, so every replica reports the same truth. What a process sees happen (runs it
finished, bytes pushed to it) is counted by that process; Prometheus adds the replicas up.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth import admins
from gateway.config import Config
from gateway.store import models as m
from gateway.store import owners, sources
from gateway.sync import runlog
from gateway.users.mail import OutboxCollector
from gateway.web.keys import config_key, sessions_key

log = logging.getLogger(__name__)

# Runs take from a second (a small CSV) to a minute (a municipality's OneRoster package).
DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)


@dataclass(frozen=True)
class Metrics:
    """An app's registry and the instruments its handlers feed."""

    registry: CollectorRegistry
    run_seconds: Histogram
    records: Counter
    push_bytes: Counter  # the push route adds each body's size: push_bytes.labels(source)
    pulls_failed: Counter  # the scheduler counts each scheduled pull that failed its tries


metrics_key = web.AppKey("metrics", Metrics)


class StoreCollector(Collector):
    """Runs by source and state, and the queue's depth, read from the store at each scrape."""

    def __init__(
        self, sessions: Callable[[], sessionmaker[Session]], config: Callable[[], Config]
    ) -> None:
        self.sessions, self.config = sessions, config

    def describe(self) -> Iterator[Metric]:
        """The families this collector yields, without asking the store."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        """The families with their values from the store (store_up 0 when it cannot answer)."""
        runs, queued, up, stale, failing = self._families()
        try:
            with self.sessions()() as session:
                for name, health in sources.health_of_all(session, self.config(), owners.now()):
                    stale.add_metric([name], int(health.stale))
                    failing.add_metric([name], int(health.failing is not None))
                by_state = select(m.Source.name, m.ImportRun.state, func.count()).outerjoin(
                    m.Source, m.ImportRun.source_id == m.Source.id
                )
                for source, state, count in session.execute(
                    by_state.group_by(m.Source.name, m.ImportRun.state)
                ):
                    runs.add_metric([source or "", state], count)
                waiting = select(func.count()).where(m.ImportRun.state == "queued")
                queued.add_metric([], session.scalar(waiting) or 0)
        except SQLAlchemyError:
            log.warning("metrics: the store did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (runs, queued, up, stale, failing)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        """Empty families: runs by source and state, queue depth, whether the store answered,
        and each source's health (gateway.store.health)."""
        return (
            GaugeMetricFamily(
                "rostergate_runs",
                "Runs in the store by source and state",
                labels=["source", "state"],
            ),
            GaugeMetricFamily("rostergate_queue_depth", "Runs waiting in the queue"),
            GaugeMetricFamily("rostergate_store_up", "Whether the store answered the scrape"),
            GaugeMetricFamily(
                "rostergate_source_stale",
                "1 when the source has had no successful run within its stale_after hours",
                labels=["source"],
            ),
            GaugeMetricFamily(
                "rostergate_source_failing",
                "1 when the scheduled source's latest run failed",
                labels=["source"],
            ),
        )


class RunObserver(logging.Handler):
    """Counts the runs this process finishes, from their log line (``gateway.sync.runlog``)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(logging.INFO)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        """Observe one finished run's duration and records."""
        source = str(getattr(record, "source", ""))
        state = str(getattr(record, "state", ""))
        self.metrics.run_seconds.labels(source, state).observe(getattr(record, "seconds", 0.0))
        self.metrics.records.labels(source).inc(getattr(record, "records", 0))


def create(app: web.Application) -> Metrics:
    """A fresh registry for this app, its store read through the app's sessions."""
    registry = CollectorRegistry()
    registry.register(StoreCollector(lambda: app[sessions_key], lambda: app[config_key]))
    registry.register(OutboxCollector(lambda: app[sessions_key]))
    metrics = Metrics(
        registry,
        Histogram(
            "rostergate_run_duration_seconds",
            "How long runs this process finished took",
            ["source", "state"],
            registry=registry,
            buckets=DURATION_BUCKETS,
        ),
        Counter(
            "rostergate_records_processed",
            "Records the runs this process finished handled",
            ["source"],
            registry=registry,
        ),
        Counter(
            "rostergate_push_bytes",
            "Bytes of feed bodies pushed to this process",
            ["source"],
            registry=registry,
        ),
        Counter(
            "rostergate_pulls_failed",
            "Scheduled pulls this process made that failed after all their tries",
            ["source"],
            registry=registry,
        ),
    )
    app[metrics_key] = metrics
    app.cleanup_ctx.append(_observe_runs)
    app.router.add_get("/metrics", scrape)
    return metrics


async def _observe_runs(app: web.Application) -> AsyncIterator[None]:
    """Count the runs finished while the app serves: a server logs its runs."""
    observer = RunObserver(app[metrics_key])
    if not runlog.log.isEnabledFor(logging.INFO):
        runlog.log.setLevel(logging.INFO)
    runlog.log.addHandler(observer)
    yield
    runlog.log.removeHandler(observer)


def _allowed(address: str | None, networks: tuple[str, ...]) -> bool:
    """Whether a peer address lies in one of the allow-list's networks."""
    try:
        peer = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(n, strict=False) for n in networks)


async def _site_admin(request: web.Request, token: str) -> str:
    """Why an API token may not read the metrics; empty when it may."""
    sessions = request.app[sessions_key]

    def check() -> str:
        with sessions.begin() as session:  # the token's last use is recorded
            who = admins.by_token(session, token)
        if who is None:
            return "unauthorized"
        return "" if who.kind == "site" else "forbidden"

    return await asyncio.to_thread(check)


async def scrape(request: web.Request) -> web.Response:
    """The metrics in Prometheus' text format, for a site admin's token or an allowed address."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        refused = await _site_admin(request, header.removeprefix("Bearer ").strip())
        if refused == "unauthorized":
            return web.json_response({"error": "unknown API token"}, status=401)
        if refused:
            return web.json_response({"error": "metrics are for site admins"}, status=403)
    elif not _allowed(request.remote, request.app[config_key].metrics_allow):
        return web.json_response(
            {"error": "send a site admin's API token, or scrape from an address in metrics_allow"},
            status=401,
        )
    body = await asyncio.to_thread(generate_latest, request.app[metrics_key].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
