"""The Monday 09:30 burst: how close hirebot's chasers come to the floor Slack's limits set.

    .venv/bin/python benchmarks/burst.py [--scale 1.0] [--workers 1,2] [--database-url URL]

Seeds 10,000 open loops and 400 interviewers over three time zones (Asia/Kolkata,
Europe/London, America/New_York): 6,000 interviews have no scorecard, and their chasers, 2,000
a zone, fall due at 09:30 local time on a Monday. The other 4,000 loops have an interview next
week, whose prep-kit rows wait in the outbox. `--scale 0.1` makes every count a tenth.

A person gets at most one reminder DM per 15 minutes, so the DMs that must go out are one digest
per interviewer, 133 or 134 a zone, each naming all of that person's due scorecards. The floor
is the least time chat.postMessage's limits (benchmarks/post_limits.py: one a second per
channel, 300 a minute per workspace) allow for them, from 09:30:00.

The clock: hirebot's clock is set to 09:29:58 local in a zone, two seconds before the burst,
and runs at wall-clock speed from there (no scaling: Slack's limits are in real seconds). The
workers are the real scheduler job (bot/scheduler.py) around the real dispatcher, each with its
own database engine and its own SlackGateway, as separate processes would have; they start at
that moment and stop when the zone's DMs are all out (or at a time-out). Then the clock jumps to
the next zone. The fake Slack serves the Web API over HTTP and records every message.

Prints, for one worker and for two: the floor, hirebot's time and their ratio (goal: within
1.2x); DMs lost, duplicated, and sent to one person less than 15 minutes apart (goal: 0); 429s;
claims seen past their lease (goal: 0); and the oldest due row's age, sampled every few seconds.
Exits 0 whatever the numbers are: they are read by people.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from benchmarks.post_limits import WORKSPACE_PER_MINUTE, FakeSlack, PostMessageLimits, floor_seconds
from bot.scheduler import build_scheduler
from bot.services.dispatch import ReminderDispatcher
from bot.services.outbox import DM_SPACING
from bot.services.workhours import WorkingHours
from bot.slack_gateway import RateLimiter, SlackGateway
from db.models import Base, Candidate, Interview, Reminder, ReminderKind, ReminderStatus
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from rubrics.loader import RubricRegistry
from tests.support.outbox_rows import candidate_row

ZONES = ("Asia/Kolkata", "Europe/London", "America/New_York")  # in the order their 09:30 comes
MONDAY = datetime(2030, 3, 4)  # before any of the three zones changes its clocks
LOOPS, PEOPLE, CHASERS_PER_ZONE = 10_000, 400, 2_000
LEAD = timedelta(seconds=2)
GOAL = 1.2


class BenchClock:
    """hirebot's now: a moment set by the benchmark, running on at wall-clock speed."""

    def __init__(self) -> None:
        self.set(MONDAY.replace(tzinfo=UTC))

    def set(self, moment: datetime) -> None:
        self._anchor, self._started = moment, time.monotonic()

    def __call__(self) -> datetime:
        return self._anchor + timedelta(seconds=time.monotonic() - self._started)

    def seconds(self) -> float:
        return self().timestamp()


def burst_at(zone: str) -> datetime:
    return MONDAY.replace(hour=9, minute=30, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def people_of(zone_index: int, people: int) -> list[str]:
    return [f"U{zone_index}{n:05d}" for n in range(people) if n % len(ZONES) == zone_index]


def seed(db: Database, scale: float) -> dict[str, set[int]]:
    """The loops and the outbox; returns the interviews whose chaser is due at each zone's 09:30."""
    loops, people, per_zone = round(LOOPS * scale), round(PEOPLE * scale), round(CHASERS_PER_ZONE * scale)
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    created = MONDAY.replace(tzinfo=UTC) - timedelta(days=7)
    staff = [people_of(z, people) for z in range(len(ZONES))]
    candidates, interviews, reminders = [], [], []
    due: dict[str, set[int]] = {zone: set() for zone in ZONES}
    for n in range(1, loops + 1):
        candidates.append(candidate_row(n, created))
        zone_index = n % len(ZONES)
        zone = ZONES[zone_index]
        chased = n <= per_zone * len(ZONES)
        person = staff[zone_index][(n // len(ZONES)) % len(staff[zone_index])]
        # A chased interview ended last Friday; the others are next week, their prep kit not yet due.
        starts = burst_at(zone) - timedelta(days=3, hours=2) if chased else burst_at(zone) + timedelta(days=7)
        interviews.append(_interview(n, person, starts, zone, created))
        kind = ReminderKind.CHASER if chased else ReminderKind.PREP_KIT
        due_at = burst_at(zone) if chased else starts - timedelta(minutes=30)
        reminders.append(_reminder(n, person, kind, due_at, created))
        if chased:
            due[zone].add(n)
    with db.transaction() as session:
        for table, rows in ((Candidate, candidates), (Interview, interviews), (Reminder, reminders)):
            for start in range(0, len(rows), 2000):
                session.execute(insert(table), rows[start : start + 2000])
    return due


def _interview(n: int, person: str, starts: datetime, zone: str, created: datetime) -> dict:
    return dict(
        id=n,
        candidate_id=n,
        stage_key="coding_round",
        interviewer_id=person,
        starts_at=starts,
        duration_minutes=60,
        timezone=zone,
        status="scheduled",
        created_at=created,
        updated_at=created,
    )


def _reminder(n: int, person: str, kind: ReminderKind, due_at: datetime, created: datetime) -> dict:
    return dict(  # no id: the dispatcher adds rows (the next chasers), so the sequence must stay in step
        kind=kind.value,
        candidate_id=n,
        interview_id=n,
        target_user_id=person,
        due_at=due_at,
        status=ReminderStatus.PENDING.value,
        attempts=0,
        created_at=created,
    )


class LeaseWatch(logging.Handler):
    """Counts the dispatcher's own word that a send outlived its lease or was refused."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.count += "outlived its lease" in message or "send refused" in message


@dataclass
class Zone:
    zone: str
    dms: int
    floor: float
    took: float | None
    lost: int
    duplicated: int
    limited: int
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (s after 09:30, oldest due s, DMs out)


@dataclass
class Run:
    workers: int
    database: str
    zones: list[Zone]
    spacing: int
    past_lease: int

    @property
    def floor(self) -> float:
        return sum(z.floor for z in self.zones)

    @property
    def took(self) -> float | None:
        return None if any(z.took is None for z in self.zones) else sum(z.took or 0 for z in self.zones)


def run(
    url: str,
    workers: int,
    scale: float,
    sample_every: float,
    latency: float = 0.0,
    per_minute: int = WORKSPACE_PER_MINUTE,
) -> Run:
    """One full run: seed, then the three zones' 09:30 in turn. `per_minute` is the workspace
    ceiling, for the fake Slack and for hirebot's pace alike (tests raise it to run quicker)."""
    db = Database(make_engine(url))
    due = seed(db, scale)
    clock = BenchClock()
    watch = LeaseWatch()
    logging.getLogger("bot.services").addHandler(watch)
    past_lease = 0
    zones = []
    try:
        limits = PostMessageLimits(clock.seconds, per_minute=per_minute, burst=max(1.0, per_minute / 60))
        with FakeSlack(limits, latency=latency) as slack:
            for zone in ZONES:
                result, stale = one_zone(db, url, slack, clock, zone, due[zone], workers, sample_every)
                zones.append(result)
                past_lease += stale
            spacing = spacing_breaches(slack)
    finally:
        logging.getLogger("bot.services").removeHandler(watch)
        db.engine.dispose()
    return Run(workers, db.engine.dialect.name, zones, spacing, past_lease + watch.count)


def one_zone(
    db: Database, url: str, slack: FakeSlack, clock: BenchClock, zone: str, due: set[int], workers: int, every: float
) -> tuple[Zone, int]:
    """One zone's 09:30: start the workers just before it, wait for every due interview's DM."""
    start = burst_at(zone)
    with db.transaction() as session:
        people = set(session.scalars(select(Interview.interviewer_id).where(Interview.id.in_(due))))
    floor = floor_seconds(people, slack.limits.per_minute, slack.limits.burst)
    first, limited = len(slack.delivered), slack.limited
    clock.set(start - LEAD)
    engines = [Database(make_engine(url)) for _ in range(workers)]
    schedulers = [build_scheduler(dispatcher(engine, slack, clock)) for engine in engines]
    for scheduler in schedulers:
        scheduler.start()
    deadline = time.monotonic() + LEAD.total_seconds() + 5 * floor + 60
    samples, stale = [], 0
    covered: Counter[int] = Counter()
    next_sample = time.monotonic()
    while time.monotonic() < deadline:
        covered = Counter(i for d in slack.delivered[first:] for i in d.interviews)
        if time.monotonic() >= next_sample:
            now = clock()
            samples.append(((now - start).total_seconds(), oldest_waiting(db, now), len(slack.delivered) - first))
            stale += claims_past_lease(db, now)
            next_sample += every
        if due <= set(covered):
            break
        time.sleep(0.05)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    for engine in engines:
        engine.engine.dispose()
    mine = slack.delivered[first:]
    covered = Counter(i for d in mine for i in d.interviews)
    done = due <= set(covered)
    took = max(d.at for d in mine) - start.timestamp() if done and mine else None
    return (
        Zone(
            zone=zone,
            dms=len(mine),
            floor=floor,
            took=took,
            lost=len(due - set(covered)),
            duplicated=sum(c - 1 for c in covered.values() if c > 1),
            limited=slack.limited - limited,
            samples=samples,
        ),
        stale,
    )


def dispatcher(db: Database, slack: FakeSlack, clock: BenchClock) -> ReminderDispatcher:
    """As bot/bootstrap.py builds it, with a gateway of its own (a process of its own would have one)."""
    limiter = RateLimiter(messages_per_minute=slack.limits.per_minute)
    gateway = SlackGateway.connect("xoxb-burst", slack.api_url, limiter=limiter)
    return ReminderDispatcher(
        db, gateway, RubricRegistry.from_directory(), BlockKitRenderer(), clock, WorkingHours(), "Europe/London"
    )


def oldest_waiting(db: Database, now: datetime) -> float:
    """Seconds since the earliest row that is due and not yet out fell due, claimed or not.

    The outbox's own gauge (bot.services.outbox.backlog) leaves out rows a live sweep holds;
    here a row waits until it is sent, so a claimed batch still queued behind Slack's limits counts."""
    with db.transaction() as session:
        earliest = session.scalar(
            select(func.min(Reminder.due_at)).where(
                Reminder.status.in_((ReminderStatus.PENDING, ReminderStatus.SENDING)), Reminder.due_at <= now
            )
        )
    return 0.0 if earliest is None else (now - earliest).total_seconds()


def claims_past_lease(db: Database, now: datetime) -> int:
    """Rows still claimed after their lease ran out (a live sweep renews before each send)."""
    with db.transaction() as session:
        return session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_until < now)
        )


def spacing_breaches(slack: FakeSlack) -> int:
    """DMs to one person less than 15 minutes after the previous one, over the whole run."""
    times: dict[str, list[float]] = defaultdict(list)
    for delivery in slack.delivered:
        times[delivery.channel].append(delivery.at)
    spacing = DM_SPACING.total_seconds()
    return sum(1 for ts in times.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False) if b - a < spacing)


def report(runs: list[Run], scale: float) -> None:
    print(f"\nThe 09:30 burst at scale {scale:g}: chat.postMessage at 1/s per channel, 300/min per workspace\n")
    head = f"{'workers':>7} {'database':<11}{'DMs':>6}{'floor s':>9}{'hirebot s':>11}{'ratio':>7}"
    print(head + f"{'lost':>6}{'dup':>5}{'<15min':>8}{'429s':>6}{'past lease':>12}")
    for r in runs:
        took = r.took
        ratio = f"{took / r.floor:.2f}" if took is not None and r.floor else "-"
        print(
            f"{r.workers:>7} {r.database:<11}{sum(z.dms for z in r.zones):>6}{r.floor:>9.1f}"
            f"{(f'{took:.1f}' if took is not None else 'timeout'):>11}{ratio:>7}"
            f"{sum(z.lost for z in r.zones):>6}{sum(z.duplicated for z in r.zones):>5}{r.spacing:>8}"
            f"{sum(z.limited for z in r.zones):>6}{r.past_lease:>12}"
        )
    print(f"\nGoal: ratio within {GOAL}x; 0 lost, 0 duplicated, 0 under 15 minutes, 0 past lease.")
    for r in runs:
        print(f"\n{r.workers} worker(s), {r.database}: per zone, and the oldest due row's age")
        for z in r.zones:
            took = f"{z.took:.1f}" if z.took is not None else "timeout"
            print(f"  {z.zone:<17} DMs {z.dms:>4}  floor {z.floor:5.1f} s  hirebot {took:>7} s  429s {z.limited}")
            line = "  ".join(f"{t:+.0f}s:{age:.0f}s/{sent}" for t, age, sent in z.samples)
            print(f"    after 09:30 : oldest due row not yet out / DMs out   {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1: 10,000 loops)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--database-url", help="PostgreSQL (or other) URL; default: a temporary SQLite file")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between backlog samples")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake Slack takes per message")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/burst.db"
        for workers in (int(w) for w in args.workers.split(",")):
            runs.append(run(url, workers, args.scale, args.sample_every, args.latency))
    report(runs, args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
