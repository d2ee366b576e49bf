"""What the soak (soak.py) samples: each function reads one thing, so that a test can run it
against a live process and a real database."""

from __future__ import annotations

import sys
import threading
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from benchmarks.procs import open_files, rss_kb, threads  # noqa: E402
from bot.services.outbox import backlog  # noqa: E402
from db.session import Database  # noqa: E402

OWN_APP = "hirebot-soak"  # this script's own database connections, left out of the count


@dataclass
class Proc:
    rss_kb: int
    threads: int


def sample_process(pid: int) -> Proc:
    return Proc(rss_kb(pid), threads(pid))


def own_engine(url: str) -> Engine:
    """The script's connections: none held between uses, and named so the count skips them."""
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, poolclass=NullPool, connect_args={"application_name": OWN_APP})
    return create_engine(url, poolclass=NullPool)


def db_connections(engine: Engine, pids: list[int]) -> int:
    """Connections the processes hold: on PostgreSQL every session of this database but the
    script's own; on SQLite the processes' descriptors open on the database file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            query = text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name <> :own AND pid <> pg_backend_pid()"
            )
            return int(conn.execute(query, {"own": OWN_APP}).scalar() or 0)
    name = Path(engine.url.database or "").name
    return sum(open_files(pid, suffix=name) for pid in pids) if name else 0


def oldest_due_seconds(db: Database) -> float:
    return backlog(db, datetime.now(UTC)).oldest_due_seconds


class LatestDue:
    """The oldest due row's age, read every `every` seconds between samples; each sample takes
    the highest since the one before. Read only at the samples, a 30 s interval would keep
    step with the worker's 30 s sweep and always look at the same moment of its cycle."""

    def __init__(self, db: Database, every: float = 2.0):
        self.db, self.every = db, every
        self.highest = 0.0
        self.lock = threading.Lock()

    def watch(self, stop_: threading.Event) -> None:
        while not stop_.wait(self.every):
            self.read()

    def read(self) -> float:
        age = oldest_due_seconds(self.db)
        with self.lock:
            self.highest = max(self.highest, age)
        return age

    def take(self) -> float:
        """The highest age since the last take, this moment's included."""
        now = self.read()
        with self.lock:
            highest, self.highest = self.highest, 0.0
        return max(highest, now)


def _samples(metrics_url: str, name: str) -> list[tuple[dict[str, str], float]]:
    with urllib.request.urlopen(metrics_url, timeout=10) as r:
        page = r.read().decode()
    return [
        (s.labels, s.value) for family in text_string_to_metric_families(page) for s in family.samples if s.name == name
    ]


def background_depth(metrics_url: str) -> float:
    """hirebot_background_jobs_waiting from one /metrics page (a gunicorn scrape sums its workers)."""
    return sum(value for _, value in _samples(metrics_url, "hirebot_background_jobs_waiting"))


def mends(metrics_url: str) -> dict[str, float]:
    """The worker's hirebot_mends_total by outcome: cards and pre-reads whose own refresh was lost."""
    return {labels["outcome"]: value for labels, value in _samples(metrics_url, "hirebot_mends_total")}
