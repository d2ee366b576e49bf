"""Domain events: published only once their transaction commits, each subscriber its own job."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.background import QueuedBackground
from bot.errors import SlackTargetGone
from bot.events import (
    EventBus,
    LoopDecided,
    ScorecardSubmitted,
    SummaryDue,
    record,
)
from db.models import AuditEvent
from tests.support.fakes import PRIYA, RECRUITER, memory_database


def _bus_over_memory():
    db = memory_database()
    seen: list[object] = []
    bus = EventBus(QueuedBackground(), {ScorecardSubmitted: [seen.append]})
    db.publish = bus.publish
    return db, bus, seen


def test_an_event_is_published_after_its_transaction_commits():
    db, bus, seen = _bus_over_memory()
    event = ScorecardSubmitted(1, PRIYA, created=True)
    with db.transaction() as session:
        record(session, event)
        assert bus.background.queue == []  # type: ignore[attr-defined]  # nothing before the commit
    assert bus.background.drain() == 1  # type: ignore[attr-defined]
    assert seen == [event]


def test_a_rolled_back_change_publishes_nothing():
    db, bus, seen = _bus_over_memory()
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.add(AuditEvent(actor_id=PRIYA, action="test", candidate_id=None, details={}))
        record(session, ScorecardSubmitted(1, PRIYA, created=True))
        raise RuntimeError("the change failed")
    assert bus.background.drain() == 0  # type: ignore[attr-defined]
    assert seen == []
    with db.transaction() as session:
        assert session.scalars(select(AuditEvent)).all() == []


def test_each_subscriber_is_its_own_job_and_a_failure_does_not_stop_the_next():
    told: list[tuple[str, str]] = []
    ran: list[str] = []

    def fails(event):
        raise SlackTargetGone("chat.update", "channel_not_found")

    background = QueuedBackground(lambda user, sentence, channel, url: told.append((user, sentence)))
    bus = EventBus(background, {LoopDecided: [fails, lambda e: ran.append("card")]})
    bus.publish([LoopDecided(7, RECRUITER)])
    assert background.drain() == 2
    assert ran == ["card"]
    assert [user for user, _ in told] == [RECRUITER]  # the person who acted hears of the failure


def test_delivering_inline_lets_a_failure_reach_the_caller():
    def fails(event):
        raise SlackTargetGone("chat.postMessage", "channel_not_found")

    bus = EventBus(QueuedBackground(), {SummaryDue: [fails]})
    with pytest.raises(SlackTargetGone):
        bus.deliver(SummaryDue(3))


def test_a_change_committed_inside_a_job_runs_its_follow_ups_in_that_job_in_order():
    db = memory_database()
    ran: list[str] = []

    def fails(event):
        ran.append("invite")
        raise SlackTargetGone("conversations.invite", "user_not_found")

    told: list[str] = []
    background = QueuedBackground(lambda user, sentence, channel, url: told.append(user))
    bus = EventBus(background, {LoopDecided: [fails, lambda e: ran.append("card")]})
    db.publish = bus.publish

    def change() -> None:
        with db.transaction() as session:
            record(session, LoopDecided(7, RECRUITER))

    background.submit(change, user=RECRUITER)
    assert background.drain() == 1  # one job: the change and what follows it
    assert ran == ["invite", "card"]  # a failing subscriber does not stop the next
    assert told == [RECRUITER]  # and the job's failure is told once, to the person who acted
