"""The scheduler worker's sweep in one process, reminders each to someone new: what grows.

    .venv/bin/python benchmarks/sweep_memory.py [--database-url URL] [--warm-up 60] [--sweeps 150]
                                                [--per-sweep 4] [--top 8]

A cheap stand-in for a long soak (benchmarks/soak.py) when the worker's memory rises: the real
services and gateway (rate limiter included) against a Web API stub that answers ok at once,
the sweep job's own function (bot/scheduler.py), and --per-sweep prep-kit reminders due now,
each to a person never seen before. After --warm-up sweeps it compares `tracemalloc`
snapshots by traceback over --sweeps more, and prints the growth, the live objects (`gc`),
and the allocations that grew most. The database (SQLite in a temporary file by default) is
emptied and created afresh.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from slack_sdk.web import SlackResponse  # noqa: E402

from bot.background import QueuedBackground  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.scheduler import _Pacing, _sweep  # noqa: E402
from bot.services.dispatch import ReminderDispatcher  # noqa: E402
from bot.slack_gateway import RateLimiter, SlackGateway  # noqa: E402
from db.models import Base, Candidate, ReminderKind  # noqa: E402
from db.session import Database, make_engine  # noqa: E402
from tests.support.fakes import shipped_rubrics, unit_settings  # noqa: E402
from tests.support.outbox_rows import add_due, add_loop  # noqa: E402

FRAMES = 6


class OkClient(WebClient):
    """Every call answers ok at once, in the shape chat.postMessage's answer has."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        data = {"ok": True, "ts": "1.000001", "channel": "D0STUB0001"}
        return SlackResponse(
            client=self, http_verb="POST", api_url=api_method, req_args={}, data=data, headers={}, status_code=200
        )


class Driver:
    def __init__(self, url: str, per_sweep: int):
        engine = make_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        self.db = Database(engine)
        # The workspace's pace would only make this slow: the per-channel buckets are what matter.
        self.limiter = RateLimiter(messages_per_minute=1e9)
        slack = SlackGateway(OkClient(token="xoxb-stub"), limiter=self.limiter)
        services = build_services(
            unit_settings(), slack=slack, db=self.db, rubrics=shipped_rubrics(), background=QueuedBackground
        )
        self.dispatcher: ReminderDispatcher = services.dispatcher
        self.pacing = _Pacing()
        self.per_sweep = per_sweep
        self.people = count(1)
        with self.db.transaction() as session:
            self.loop_id = add_loop(session, "Memory Candidate", "C0MEM00001", "U0MEMREC01", "U0MEMMGR01").id

    def sweep(self) -> None:
        now = datetime.now(UTC)
        with self.db.transaction() as session:
            loop = session.get_one(Candidate, self.loop_id)
            for _ in range(self.per_sweep):
                person = f"U9{next(self.people):08d}"
                add_due(session, loop, person, ReminderKind.PREP_KIT, now + timedelta(hours=2), now)
        _sweep(self.dispatcher, self.pacing)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--warm-up", type=int, default=60)
    parser.add_argument("--sweeps", type=int, default=150)
    parser.add_argument("--per-sweep", type=int, default=4)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        driver = Driver(args.database_url or f"sqlite:///{tmp}/memory.db", args.per_sweep)
        for _ in range(args.warm_up):
            driver.sweep()
        gc.collect()
        tracemalloc.start(FRAMES)
        before, objects = tracemalloc.take_snapshot(), len(gc.get_objects())
        started = time.monotonic()
        for _ in range(args.sweeps):
            driver.sweep()
        gc.collect()
        after = tracemalloc.take_snapshot()
        report(args, before, after, objects, time.monotonic() - started, driver)
    return 0


def report(args: argparse.Namespace, before: Any, after: Any, objects: int, seconds: float, driver: Driver) -> None:
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    grown = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    people = args.sweeps * args.per_sweep
    total = sum(stat.size_diff for stat in grown)
    print(f"{args.sweeps} sweeps, {people} new people, {seconds:.0f} s")
    print(f"traced growth {total / 1024:.1f} KB ({total / people:.0f} B a person)")
    print(f"live objects {objects} -> {len(gc.get_objects())}; rate-limiter buckets {driver.limiter.buckets_held()}")
    for stat in grown[: args.top]:
        print(f"\n{stat.size_diff / 1024:+.1f} KB in {stat.count_diff:+d} blocks")
        print("\n".join(stat.traceback.format()))


if __name__ == "__main__":
    raise SystemExit(main())
