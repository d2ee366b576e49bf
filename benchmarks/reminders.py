"""How long one dispatch sweep's due-row query takes with 10,000 open loops (~60,000 rows).

    .venv/bin/python benchmarks/reminders.py [--loops 10000] [--postgres URL]

Seeds SQLite (a temporary file) and, when reachable, PostgreSQL, migrated with Alembic so
the indexes are the real ones; then times the sweep's query and prints a table and the
query plan. Exits 0 whatever the numbers are: the target (under 50 ms) is read by people.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from bot.services.outbox import due_query
from db.migrate import downgrade, upgrade
from db.models import Candidate, Interview, Reminder, ReminderKind, ReminderStatus
from db.session import Database, make_engine
from tests.support.outbox_rows import candidate_row

NOW = datetime(2030, 3, 6, 10, 0, tzinfo=UTC)
KINDS = [ReminderKind.PREP_KIT, ReminderKind.SCORECARD_DUE, ReminderKind.CHASER]
OFFSETS = {ReminderKind.PREP_KIT: -30, ReminderKind.SCORECARD_DUE: 60, ReminderKind.CHASER: 120}


def seed(db: Database, loops: int) -> int:
    candidates, interviews, reminders = [], [], []
    for n in range(1, loops + 1):
        candidates.append(candidate_row(n, NOW))
        for k in range(2):  # two interviews a loop, of which one is over
            interview_id = n * 2 + k
            start = NOW + timedelta(hours=(n % 500) - 100 + 24 * k)
            interviews.append(
                dict(
                    id=interview_id,
                    candidate_id=n,
                    stage_key="coding_round",
                    interviewer_id=f"U{n}",
                    starts_at=start,
                    duration_minutes=60,
                    timezone="Europe/London",
                    status="scheduled",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            for kind in KINDS:
                due = start + timedelta(minutes=OFFSETS[kind])
                # Most rows in the past were sent long ago; about 1 in 60 is due now.
                status = ReminderStatus.PENDING if due > NOW or (n + k) % 60 == 0 else ReminderStatus.SENT
                reminders.append(
                    dict(
                        kind=kind.value,
                        candidate_id=n,
                        interview_id=interview_id,
                        target_user_id=f"U{n}",
                        due_at=due,
                        status=status.value,
                        attempts=0,
                        created_at=NOW,
                    )
                )
    with db.transaction() as session:
        for table, rows in ((Candidate, candidates), (Interview, interviews), (Reminder, reminders)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])
    return len(reminders)


def measure(name: str, url: str, loops: int, runs: int) -> dict:
    downgrade(url, "base")
    upgrade(url)
    db = Database(make_engine(url))
    t0 = time.perf_counter()
    rows = seed(db, loops)
    seeded = time.perf_counter() - t0
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    query = due_query(NOW)
    timings, due = [], 0
    with db.engine.connect() as conn:
        for _ in range(runs):
            start = time.perf_counter()
            due = len(conn.execute(query).all())
            timings.append((time.perf_counter() - start) * 1000)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if name == "sqlite" else "EXPLAIN "
        plan = [" ".join(str(c) for c in row) for row in conn.execute(text(explain + str(compiled)))]
    db.engine.dispose()
    timings.sort()
    return dict(
        name=name,
        rows=rows,
        due=due,
        seeded=seeded,
        median=statistics.median(timings),
        p95=timings[int(len(timings) * 0.95) - 1],
        worst=timings[-1],
        plan=plan,
    )


def bench_database(admin: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test") -> str:
    """A database of its own, so a benchmark never drops the tables a test run is using."""
    engine = make_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'hirebot_bench'")).scalar():
            conn.execute(text("CREATE DATABASE hirebot_bench"))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/hirebot_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HIREBOT_BENCH_DATABASE_URL"),
        help="default: a hirebot_bench database created beside the local test database",
    )
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure("sqlite", f"sqlite:///{tmp}/bench.db", args.loops, args.runs))
    try:
        results.append(measure("postgresql", args.postgres or bench_database(), args.loops, args.runs))
    except Exception as exc:  # a benchmark reports what it could not measure and still exits 0
        print(f"postgresql: not measured ({type(exc).__name__}: {exc})")
    print(f"\nDue-row query of one sweep, {args.loops:,} open loops, {args.runs} runs (target: under 50 ms)\n")
    print(f"{'database':<12}{'rows':>9}{'due':>6}{'median ms':>11}{'p95 ms':>9}{'worst ms':>10}{'seed s':>8}")
    for r in results:
        print(
            f"{r['name']:<12}{r['rows']:>9,}{r['due']:>6}{r['median']:>11.2f}{r['p95']:>9.2f}{r['worst']:>10.2f}"
            f"{r['seeded']:>8.1f}"
        )
    for r in results:
        print(f"\n{r['name']} plan:")
        for line in r["plan"]:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
