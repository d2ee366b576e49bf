"""The dashboard's and agreement's queries over 10,000 loops and 200 interviewers: time and SQL statements.

    .venv/bin/python benchmarks/report.py [--database-url postgresql+psycopg://…] [--sizes 1000,5000,10000]

Seeds loops in bulk (one batched INSERT per table), growing to each size in turn, and times: the
recruiter's dashboard (DashboardService.dashboard), an interviewer's own numbers, the agreement report
(every rating, alpha per competency) and rendering the Home's blocks. "dashboard" measures agreement
and everyone's leniency afresh; "ratings cached" is the bot between two measurements (it keeps them 10
minutes). Counts the SQL statements of each with a SQLAlchemy event listener: they must not grow with
the number of loops shown. Runs on SQLite (a temporary file) and, with --database-url or
HIREBOT_DATABASE_URL, on that database too (its tables are dropped and re-created: use a database of
its own). Prints tables and exits 0 whatever the numbers are.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.agreement import measure_each
from bot.services.agreement_data import RATING_SCALE, panel_ratings
from bot.services.dashboard_data import DashboardService
from db.models import Base
from db.session import Database, make_engine
from db.vocabulary import Decision, LoopStatus
from handlers.builders.dashboard import dashboard_blocks
from rubrics.loader import RubricRegistry
from tests.support.dashboard import Past, Seat, StatementCounter, seed

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
RUBRICS = RubricRegistry.from_directory()
PACK = RUBRICS.get("ml-engineer")
BATCH = 1000


def loops(first: int, count: int, interviewers: list[str], rng: random.Random) -> list[Past]:
    """A year of hiring: about one loop in six still open (opened in the last ten weeks), the rest
    decided; 2-6 stages each, rated by interviewers with their own leniency."""
    lenient = {who: rng.choice((-1, 0, 0, 0, 1)) for who in interviewers}
    made = []
    for n in range(first, first + count):
        open_ = rng.random() < 0.17
        opened = NOW - timedelta(days=rng.uniform(1, 70) if open_ else rng.uniform(30, 365))
        stages = PACK.stages[: rng.randint(2, len(PACK.stages))]
        seats = []
        for k, stage in enumerate(stages):
            start = opened + timedelta(days=3 + 5 * k, hours=rng.randint(0, 8))
            if start > NOW:
                break
            who = rng.choice(interviewers)
            late = rng.random() < 0.03 and open_
            took = timedelta(hours=rng.expovariate(1 / 14)) + timedelta(hours=1)
            truth = rng.randint(1, 4)
            ratings = {c: min(4, max(1, truth + lenient[who] + rng.choice((-1, 0, 0, 1)))) for c in stage.competencies}
            seats.append(Seat(stage.key, who, start, None if late else min(NOW, start + took), ratings))
        decided = None if open_ else min(NOW, opened + timedelta(days=rng.uniform(20, 50)))
        made.append(
            Past(
                f"Candidate {n}",
                opened,
                seats,
                status=LoopStatus.OPEN if open_ else LoopStatus.DECIDED,
                decision=None if open_ else rng.choice(list(Decision)),
                decided_at=decided,
                channel_id=f"C{n:07d}",
            )
        )
    return made


def timed(counter: StatementCounter, repeat: int, work: Callable[[], object]) -> tuple[float, int, object]:
    """Median milliseconds over `repeat` runs (after one warm-up), the statements of one run, and its result."""
    result = work()
    times, statements = [], 0
    for _ in range(repeat):
        counter.count = 0
        start = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - start) * 1000)
        statements = counter.count
    return statistics.median(times), statements, result


def measure(url: str, sizes: list[int], interviewers: int, repeat: int) -> list[tuple]:
    db = Database(make_engine(url))
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    people = [f"U{n:09d}" for n in range(interviewers)]
    rng = random.Random(14)
    fresh = DashboardService(db, RUBRICS, lambda: NOW, ratings_ttl=timedelta(0))  # measures every time
    cached = DashboardService(db, RUBRICS, lambda: NOW)  # as the bot runs: ratings kept 10 minutes
    rows, stored = [], 0
    with StatementCounter(db.engine) as counter:
        for size in sizes:
            started = time.perf_counter()
            while stored < size:
                batch = min(BATCH, size - stored)
                with db.transaction() as session:
                    seed(session, loops(stored, batch, people, rng))
                stored += batch
            seeding = time.perf_counter() - started
            full_ms, full_sql, board = timed(counter, repeat, fresh.dashboard)
            cached_ms, cached_sql, _ = timed(counter, repeat, cached.dashboard)
            own_ms, own_sql, _ = timed(counter, repeat, lambda: fresh.own(people[0]))
            agree_ms, agree_sql, _ = timed(
                counter, repeat, lambda: measure_each(panel_ratings(db), "ordinal", domain=RATING_SCALE)
            )
            render_ms, _, blocks = timed(counter, repeat, lambda board=board: dashboard_blocks(board, "UTC", 60))
            rows.append(
                (
                    size,
                    len(board.open_loops),  # type: ignore[attr-defined]
                    len(board.overdue),  # type: ignore[attr-defined]
                    f"{seeding:.1f}",
                    f"{full_ms:.0f} / {full_sql}",
                    f"{cached_ms:.0f} / {cached_sql}",
                    f"{own_ms:.1f} / {own_sql}",
                    f"{agree_ms:.0f} / {agree_sql}",
                    f"{render_ms:.1f} / {len(blocks)}",  # type: ignore[arg-type]
                )
            )
    db.engine.dispose()
    return rows


HEADER = (
    "loops",
    "open (shown)",
    "overdue",
    "seed s",
    "dashboard ms / SQL",
    "ratings cached ms / SQL",
    "own ms / SQL",
    "agreement ms / SQL",
    "render ms / blocks",
)


def print_table(title: str, rows: list[tuple]) -> None:
    table = [HEADER, *[tuple(str(c) for c in row) for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    print(f"\n{title}")
    for row in table:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("HIREBOT_DATABASE_URL"), help="also run here")
    parser.add_argument("--sizes", default="1000,5000,10000", help="loop counts to measure at, ascending")
    parser.add_argument("--interviewers", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (median)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"{args.interviewers} interviewers; times are medians of {args.repeat} runs; SQL = statements per run")
    with tempfile.TemporaryDirectory() as tmp:
        print_table("SQLite", measure(f"sqlite:///{tmp}/bench.db", sizes, args.interviewers, args.repeat))
    if args.database_url:
        kind = args.database_url.split(":", 1)[0]
        print_table(kind, measure(args.database_url, sizes, args.interviewers, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
