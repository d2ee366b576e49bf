"""Two schedulers on one database never send the same reminder twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.services.dispatch import ReminderDispatcher
from bot.services.workhours import WorkingHours
from db.models import Candidate, Interview, LoopStatus, Reminder, ReminderKind, ReminderStatus
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from rubrics.loader import RubricRegistry

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
        candidate = Candidate(
            name="Load Test",
            pack="ml-engineer",
            pack_version=1,
            profile="balanced",
            recruiter_id="U0RECRUITER",
            hiring_manager_id="U0MANAGER",
            channel_id="C0LOAD",
            status=LoopStatus.OPEN,
            created_by="U0RECRUITER",
        )
        session.add(candidate)
        session.flush()
        for n in range(REMINDERS):
            interview = Interview(
                candidate_id=candidate.id,
                stage_key="coding_round",
                interviewer_id=f"U{n:06d}",
                starts_at=NOW + timedelta(minutes=20),
                duration_minutes=60,
                timezone="Europe/London",
            )
            session.add(interview)
            session.flush()
            session.add(
                Reminder(
                    kind=ReminderKind.PREP_KIT,
                    candidate_id=candidate.id,
                    interview_id=interview.id,
                    target_user_id=interview.interviewer_id,
                    due_at=NOW - timedelta(seconds=n % 60),
                )
            )


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
