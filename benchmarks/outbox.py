"""How long reminders wait after a worker is killed mid-sweep (kill -9), and what the second worker sends.

    .venv/bin/python benchmarks/outbox.py [--people 50] [--postgres URL]

Worker A claims every due reminder and dies (an exception no handler catches, as SIGKILL would
leave things) after sending `--sent-before-crash` of them. Worker B runs the scheduler's sweep
every 30 seconds, its first sweep at each phase from 0 to 29 s after the crash. On a
controlled clock, the table gives the worst and median wait of the rows A never sent, and
whether anyone was DMed twice. Exits 0 whatever the numbers are.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.scheduler import SWEEP_SECONDS
from bot.services.dispatch import ReminderDispatcher
from bot.services.workhours import WorkingHours
from db.models import Base, ReminderKind
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from rubrics.loader import RubricRegistry
from tests.support.outbox_rows import add_due, add_loop

CRASH = datetime(2030, 3, 6, 10, 0, tzinfo=UTC)  # a Wednesday morning in London


class Killed(BaseException):
    """Not an Exception: nothing in the dispatcher catches it, as nothing runs after SIGKILL."""


class Slack:
    def __init__(self, die_after: int | None = None) -> None:
        self.sent: Counter[str] = Counter()
        self.die_after = die_after
        self.when: dict[str, datetime] = {}
        self.clock = lambda: CRASH

    def post_message(self, channel: str, text: str, blocks=None) -> str:
        if self.die_after is not None and sum(self.sent.values()) >= self.die_after:
            raise Killed
        self.sent[channel] += 1
        self.when.setdefault(channel, self.clock())
        return "1.0"


def seed(db: Database, people: int) -> None:
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    with db.transaction() as session:
        candidate = add_loop(session, "Crash Test", "C0CRASH", "U0R", "U0M")
        for n in range(people):
            starts = CRASH + timedelta(hours=2)
            add_due(session, candidate, f"U{n:06d}", ReminderKind.PREP_KIT, starts, CRASH - timedelta(seconds=1))


def one_crash(url: str, people: int, sent_before_crash: int, phase: int) -> dict:
    db = Database(make_engine(url))
    seed(db, people)
    rubrics, render, hours = RubricRegistry.from_directory(), BlockKitRenderer(), WorkingHours()
    a_slack, b_slack = Slack(die_after=sent_before_crash), Slack()
    a = ReminderDispatcher(db, a_slack, rubrics, render, lambda: CRASH, hours, "Europe/London")
    try:
        a.sweep()
    except Killed:
        pass
    now = CRASH + timedelta(seconds=phase)
    b_slack.clock = lambda: now
    b = ReminderDispatcher(db, b_slack, rubrics, render, lambda: now, hours, "Europe/London")
    unsent = people - sent_before_crash
    while len(b_slack.sent) < unsent and now < CRASH + timedelta(hours=1):
        b.sweep()
        now += timedelta(seconds=SWEEP_SECONDS)
    db.engine.dispose()
    waits = sorted((t - CRASH).total_seconds() for t in b_slack.when.values())
    twice = sum(1 for user in b_slack.sent if a_slack.sent[user] or b_slack.sent[user] > 1)
    return dict(waits=waits, twice=twice, recovered=len(b_slack.sent))


def measure(name: str, url: str, people: int, sent_before_crash: int) -> dict:
    runs = [one_crash(url, people, sent_before_crash, phase) for phase in range(0, SWEEP_SECONDS, 3)]
    # The row in flight when A died (fenced, maybe delivered) is not a row A "never sent".
    waits = [w for run in runs for w in run["waits"][: people - sent_before_crash - 1]]
    return dict(
        name=name,
        median=statistics.median(waits),
        worst=max(waits),
        in_flight=max(run["waits"][-1] for run in runs),
        twice=max(run["twice"] for run in runs),
        recovered=min(run["recovered"] for run in runs),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--sent-before-crash", type=int, default=10)
    parser.add_argument("--postgres", default=os.environ.get("HIREBOT_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure("sqlite", f"sqlite:///{tmp}/crash.db", args.people, args.sent_before_crash))
    if args.postgres:
        results.append(measure("postgresql", args.postgres, args.people, args.sent_before_crash))
    print(
        f"\nA worker killed after {args.sent_before_crash} of {args.people} DMs; another sweeps every "
        f"{SWEEP_SECONDS} s (seconds after the crash)\n"
    )
    print(f"{'database':<12}{'median s':>10}{'worst s':>9}{'in-flight s':>13}{'recovered':>11}{'DMed twice':>12}")
    for r in results:
        print(
            f"{r['name']:<12}{r['median']:>10.0f}{r['worst']:>9.0f}{r['in_flight']:>13.0f}"
            f"{r['recovered']:>11}{r['twice']:>12}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
