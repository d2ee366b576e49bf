"""Two schedulers on one database never send the same reminder twice, nor two reminder DMs to one
person within 15 minutes, even when a sweep outlives its lease."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from bot.services.dispatch import ReminderDispatcher
from bot.services.outbox import CLAIM_LEASE
from bot.services.workhours import WorkingHours
from db.models import Reminder, ReminderKind, ReminderStatus
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from rubrics.loader import RubricRegistry
from tests.support.outbox_rows import add_due, add_loop

REMINDERS = 500
NOW = datetime(2030, 3, 6, 10, 0, tzinfo=UTC)  # a Wednesday morning in London


class CountingSlack:
    """Stands in for the gateway: counts DMs, and is slow enough for sweeps to interleave."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self._lock = threading.Lock()

    def post_message(self, channel: str, text: str, blocks=None) -> str:
        time.sleep(0.0005)
        with self._lock:
            self.sent[channel] += 1
        return "1.0"


def seed(db: Database) -> None:
    with db.transaction() as session:
        candidate = add_loop(session, "Load Test", "C0LOAD", "U0RECRUITER", "U0MANAGER")
        for n in range(REMINDERS):
            starts = NOW + timedelta(minutes=20)
            add_due(session, candidate, f"U{n:06d}", ReminderKind.PREP_KIT, starts, NOW - timedelta(seconds=n % 60))


def test_two_dispatchers_send_each_of_500_reminders_exactly_once(database):
    seed(database)
    slack = CountingSlack()
    rubrics = RubricRegistry.from_directory()
    url = database.engine.url.render_as_string(hide_password=False)
    # Two engines, as two scheduler processes would have.
    dispatchers = [
        ReminderDispatcher(
            Database(make_engine(url)), slack, rubrics, BlockKitRenderer(), lambda: NOW, WorkingHours(), "Europe/London"
        )
        for _ in range(2)
    ]
    claimed = Counter()
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            while True:
                stats = dispatchers[index].sweep()
                claimed[index] += stats.claimed
                if stats.claimed == 0:
                    return
        except BaseException as exc:  # surfaced below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(slack.sent) == REMINDERS
    assert set(slack.sent.values()) == {1}
    assert claimed[0] + claimed[1] == REMINDERS
    with database.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == ReminderStatus.SENT))
            == REMINDERS
        )
    for dispatcher in dispatchers:
        dispatcher.db.engine.dispose()


PEOPLE = 300


class Clock:
    """One 'now' for both workers, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class TimedSlack(CountingSlack):
    """Records when (on the test's clock) each DM went out, per person."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.times: dict[str, list[datetime]] = {}
        self.texts: dict[str, list[str]] = {}

    def post_message(self, channel: str, text: str, blocks=None) -> str:
        with self._lock:
            self.times.setdefault(channel, []).append(self.clock())
            self.texts.setdefault(channel, []).append(text)
        return super().post_message(channel, text, blocks)


def seed_three_reminders_each(db: Database) -> None:
    """Per person: a prep kit, a 'scorecard due' and a chaser, all due now, in mixed due order."""
    with db.transaction() as session:
        candidate = add_loop(session, "Spacing Test", "C0SPACING", "U0RECRUITER", "U0MANAGER")
        for n in range(PEOPLE):
            person = f"U{n:06d}"
            starts = [NOW + timedelta(minutes=20), NOW - timedelta(hours=3), NOW - timedelta(hours=5)]
            kinds = [ReminderKind.PREP_KIT, ReminderKind.SCORECARD_DUE, ReminderKind.CHASER]
            for k, (start, kind) in enumerate(zip(starts, kinds, strict=True)):
                add_due(session, candidate, person, kind, start, NOW - timedelta(seconds=(n * 3 + k * 7) % 90))


def two_dispatchers(database: Database, slack: CountingSlack, clock) -> list[ReminderDispatcher]:
    rubrics = RubricRegistry.from_directory()
    url = database.engine.url.render_as_string(hide_password=False)
    return [
        ReminderDispatcher(
            Database(make_engine(url)), slack, rubrics, BlockKitRenderer(), clock, WorkingHours(), "Europe/London"
        )
        for _ in range(2)
    ]


def run_both(dispatchers: list[ReminderDispatcher]) -> None:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            while dispatchers[index].sweep().claimed:
                pass
        except BaseException as exc:  # surfaced below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def test_two_workers_never_dm_one_person_twice_within_15_minutes(database):
    seed_three_reminders_each(database)
    clock = Clock(NOW)
    slack = TimedSlack(clock)
    dispatchers = two_dispatchers(database, slack, clock)
    for minutes in (0, 1, 14, 15, 16, 30, 31, 45):
        clock.now = NOW + timedelta(minutes=minutes)
        run_both(dispatchers)
    assert len(slack.times) == PEOPLE
    for person, times in slack.times.items():
        assert times[0] == NOW, (person, times)
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert len(times) in (2, 3) and min(gaps) >= timedelta(minutes=15), (person, times)
    # Nothing twice: one prep kit each, and the due notice and the chaser one each or as one digest.
    for person, texts in slack.texts.items():
        assert sum(t.startswith("Prep kit") for t in texts) == 1, (person, texts)
        chased = [t for t in texts if not t.startswith("Prep kit")]
        assert sum(t.count("Coding round") for t in chased) == 2, (person, texts)
    with database.transaction() as session:
        left = session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.status.in_((ReminderStatus.PENDING, ReminderStatus.SENDING)), Reminder.kind != "chaser")
        )
        sent = session.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == ReminderStatus.SENT))
    assert left == 0  # only the next working day's chasers remain
    assert sent == 3 * PEOPLE
    for dispatcher in dispatchers:
        dispatcher.db.engine.dispose()


def test_a_sweep_that_outlives_its_lease_is_fenced_off(database):
    """Sweep A claims two prep kits and stalls in Slack on the first; its lease lapses; sweep B takes
    over. Each person gets exactly one DM, and nothing is sent again later."""
    seed(database)
    with database.transaction() as session:  # two people are enough
        session.execute(delete(Reminder).where(Reminder.target_user_id.not_in(["U000000", "U000001"])))
    clock_a, clock_b = Clock(NOW), Clock(NOW + CLAIM_LEASE + timedelta(seconds=1))
    slack = CountingSlack()
    a, b = two_dispatchers(database, slack, clock_a)
    b.clock = clock_b
    stalled = {"b": None}

    class StallingSlack:
        def post_message(self, channel: str, text: str, blocks=None) -> str:
            if stalled["b"] is None:
                stalled["b"] = b.sweep()  # runs while A waits on Slack, past A's lease
            return slack.post_message(channel, text, blocks)

    a.slack = StallingSlack()
    stats_a = a.sweep()
    assert stats_a.claimed == 2 and stalled["b"] is not None
    assert dict(slack.sent) == {"U000000": 1, "U000001": 1}, (stats_a, stalled["b"])
    assert stats_a.refused == 1
    clock_b.now = NOW + timedelta(minutes=20)
    b.sweep()
    assert dict(slack.sent) == {"U000000": 1, "U000001": 1}
    with database.transaction() as session:
        statuses = session.scalars(select(Reminder.status)).all()
    assert statuses == [ReminderStatus.SENT, ReminderStatus.SENT]
    for dispatcher in (a, b):
        dispatcher.db.engine.dispose()
