"""Prometheus metrics: what hirebot counts, and how a scrape collects it.

Counters are recorded where things happen: Slack requests at the HTTP edge (bot/ops_http.py),
Web API calls in the gateway, reminder outcomes after each sweep (bot/scheduler.py). Nothing
here imports Slack, and no label ever holds a name, a text or an id a person typed: only
bounded sets (interaction kinds, outcomes, Web API method names and Slack's error codes).

Several gunicorn workers each count for themselves. With PROMETHEUS_MULTIPROC_DIR set (the
gunicorn config sets it), prometheus_client keeps the counts in files there and a scrape of
any worker adds up every worker's, including workers that have since exited.
The outbox gauges are not counted at all: they are read from the database at scrape time.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, utc_now
from bot.services.outbox import backlog
from db.session import Database

if TYPE_CHECKING:
    from bot.services.dispatch import SweepStats
    from bot.services.mending import MendStats

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "hirebot_requests", "Slack requests answered, by interaction kind and outcome", ["interaction", "outcome"]
)
ACK_SECONDS = Histogram(
    "hirebot_ack_seconds",
    "Time from a Slack request's arrival in Bolt to its answer (Slack allows 3 s)",
    ["interaction"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
REMINDERS = Counter(
    "hirebot_reminders",
    "Reminder outcomes: sent (messages), failed (rows, for good), deferred (rows, to a later time), "
    "retried (rows, after a Slack failure), expired (rows no longer needed)",
    ["outcome"],
)
SWEEP_FAILURES = Counter("hirebot_reminder_sweep_failures", "Reminder sweeps that crashed (retried next sweep)")
MENDS = Counter(
    "hirebot_mends",
    "Loop cards and pre-reads the scheduler refreshed because their own refresh was lost, by outcome "
    "(mended; failed: tried again next minute; given_up: Slack refused for good)",
    ["outcome"],
)
SLACK_CALLS = Counter("hirebot_slack_calls", "Slack Web API calls made, by method", ["method"])
SLACK_RATE_LIMITED = Counter("hirebot_slack_rate_limited", "HTTP 429 answers from Slack, by method", ["method"])
SLACK_ERRORS = Counter(
    "hirebot_slack_errors",
    "Slack Web API calls that raised, by method and code (Slack's error, http_5xx, unreachable, or ratelimited "
    "when the 429s outlasted the retries); some are expected, e.g. already_in_channel",
    ["method", "code"],
)

# Each process sets its own; a scrape of any gunicorn worker adds up the live ones.
BACKGROUND_WAITING = Gauge(
    "hirebot_background_jobs_waiting",
    "Jobs queued after an ack (refreshes, receipts) and not started yet, in live processes",
    multiprocess_mode="livesum",
)

REMINDER_OUTCOMES = ("sent", "failed", "deferred", "retried", "expired")
for _outcome in REMINDER_OUTCOMES:
    REMINDERS.labels(_outcome)  # present at 0 from the start, so rate() and alerts see them


def record_request(interaction: str, outcome: str, seconds: float) -> None:
    REQUESTS.labels(interaction, outcome).inc()
    ACK_SECONDS.labels(interaction).observe(seconds)


def record_background_depth(waiting: int) -> None:
    BACKGROUND_WAITING.set(waiting)


def record_sweep(stats: SweepStats) -> None:
    for outcome in REMINDER_OUTCOMES:
        count = getattr(stats, outcome)
        if count:
            REMINDERS.labels(outcome).inc(count)


def record_mend(stats: MendStats) -> None:
    for outcome in ("mended", "failed", "given_up"):
        count = getattr(stats, outcome)
        if count:
            MENDS.labels(outcome).inc(count)


def record_slack_call(method: str) -> None:
    SLACK_CALLS.labels(method).inc()


def record_slack_rate_limited(method: str) -> None:
    SLACK_RATE_LIMITED.labels(method).inc()


def record_slack_error(method: str, code: str) -> None:
    SLACK_ERRORS.labels(method, code).inc()


class OutboxCollector:
    """The reminder outbox's gauges, from one query per scrape. No describe(): registering it
    must not touch the database."""

    def __init__(self, db: Database, clock: Clock = utc_now):
        self.db = db
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            found = backlog(self.db, self.clock())
        except SQLAlchemyError as exc:
            # The readiness check reports the database; a scrape still returns the counters.
            log.warning("outbox metrics unavailable: %s", type(exc).__name__)
            return
        rows = GaugeMetricFamily("hirebot_outbox_rows", "Reminder outbox rows by status", labels=["status"])
        for status, count in found.by_status.items():
            rows.add_metric([status.value], count)
        yield rows
        yield GaugeMetricFamily(
            "hirebot_outbox_oldest_due_seconds",
            "How long the oldest due reminder has waited past its due time (0 when none is due)",
            value=found.oldest_due_seconds,
        )


class _ThisProcess:
    """The default registry's metrics, for a registry of our own (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


# A process's counts file starts with an 8-byte header: the 4-byte length in use, then padding.
_SIZED = 8


class _WrittenFiles(multiprocess.MultiProcessCollector):
    """prometheus_client's collector, leaving out a counts file a starting process has created
    but not yet sized: read in that instant, it raised struct.error and /metrics answered 500
    (seen once, in a soak's first scrape). Its counts are in the next scrape."""

    def collect(self) -> Iterator[Metric]:
        files = []
        for path in glob.glob(os.path.join(self._path, "*.db")):
            try:
                if os.path.getsize(path) >= _SIZED:
                    files.append(path)
            except OSError:  # a dead process's file, removed since the listing
                continue
        return self.merge(files, accumulate=True)


def build_registry(db: Database | None = None, clock: Clock = utc_now) -> CollectorRegistry:
    """What a scrape returns: every process's counters in multiprocess mode, else this one's;
    plus the outbox gauges when there is a database to read them from."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        _WrittenFiles(registry)
    else:
        registry.register(_ThisProcess())
    if db is not None:
        registry.register(OutboxCollector(db, clock))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


def serve(port: int, db: Database | None = None, addr: str = "0.0.0.0") -> Callable[[], None]:
    """Serve /metrics on its own port from a thread (the worker, Socket Mode); returns the stop."""
    server, thread = start_http_server(port, addr, registry=build_registry(db))
    log.info("metrics on port %d at /metrics", server.server_port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
