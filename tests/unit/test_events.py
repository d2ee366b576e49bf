"""Domain events: published only once their transaction commits, each subscriber its own job."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.background import QueuedBackground
from bot.bootstrap import subscriptions
from bot.errors import SlackTargetGone
from bot.events import (
    EventBus,
    LoopDecided,
    ScorecardSubmitted,
    SummaryDue,
    asks_only,
    coalesce,
    only_for,
    record,
)
from db.models import AuditEvent
from tests.support.fakes import OMAR, PRIYA, RECRUITER, memory_database


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


def test_a_coalescing_subscriber_waits_once_per_target_and_others_once_per_event():
    ran: list[tuple[str, int]] = []

    @coalesce(by=lambda event: event.interviewer_id)
    def home(event):
        ran.append(("home", event.candidate_id))

    def card(event):
        ran.append(("card", event.candidate_id))

    bus = EventBus(QueuedBackground(), {ScorecardSubmitted: [home, card]})
    bus.publish([ScorecardSubmitted(n, PRIYA, created=True) for n in (1, 2, 3)])
    bus.publish([ScorecardSubmitted(4, OMAR, created=True)])
    assert bus.background.drain() == 2 + 4  # type: ignore[attr-defined]
    assert [c for kind, c in ran if kind == "home"] == [1, 4]  # Priya's twins merged into the first
    assert [c for kind, c in ran if kind == "card"] == [1, 2, 3, 4]
    bus.publish([ScorecardSubmitted(5, PRIYA, created=False)])  # the first has run: a new change waits again
    assert bus.background.drain() == 2  # type: ignore[attr-defined]


def test_the_follow_ups_of_many_scorecards_wait_once_per_card_home_and_outbox_kind():
    """The subscription table as wired: a burst of submissions for two loops by one
    interviewer queues one receipt sweep, one refresh per card and pre-read, one Home, and one
    refresh of the recruiters' dashboards."""
    calls: list[tuple[str, object]] = []

    class Recorder:
        def __getattr__(self, name):
            return lambda *args: calls.append((name, args))

    services = SimpleNamespace(
        loops=Recorder(),
        debrief=Recorder(),
        dispatcher=Recorder(),
        training=Recorder(),
        graduation=Recorder(),
        homes=Recorder(),
    )
    background = QueuedBackground()
    bus = EventBus(background, subscriptions(services))  # type: ignore[arg-type]
    bus.publish([ScorecardSubmitted(n % 2, PRIYA, created=True) for n in range(10)])
    # The Homes' subscribers only ask their Coalescers (which keep one run per person and one
    # for the recruiters): asked at once, per event, and never queued themselves.
    asked = sorted(name for name, _ in calls)
    assert asked == ["follow_changes"] * 10 + ["refresh_dashboards"] * 10
    calls.clear()
    assert background.drain() == 1 + 2 + 2
    assert sorted(name for name, _ in calls) == [
        "post_receipts",
        "refresh_card",
        "refresh_card",
        "refresh_if_posted",
        "refresh_if_posted",
    ]


def test_a_subscriber_with_nothing_to_do_for_an_event_is_neither_queued_nor_run():
    ran: list[tuple[str, int]] = []

    @only_for(lambda event: event.created)
    def receipt(event):
        ran.append(("receipt", event.candidate_id))

    def home(event):
        ran.append(("home", event.candidate_id))

    background = QueuedBackground()
    bus = EventBus(background, {ScorecardSubmitted: [receipt, home]})
    bus.publish([ScorecardSubmitted(1, PRIYA, created=False), ScorecardSubmitted(2, PRIYA, created=True)])
    assert len(background.queue) == 1 + 2  # the edit queues its Home only
    background.drain()
    assert sorted(ran) == [("home", 1), ("home", 2), ("receipt", 2)]
    ran.clear()
    bus.deliver(ScorecardSubmitted(3, PRIYA, created=False))  # inline, as the outbox delivers
    background.submit(lambda: bus.publish([ScorecardSubmitted(4, PRIYA, created=False)]), user=PRIYA)
    background.drain()  # committed inside a job: its follow-ups run in that job
    assert ran == [("home", 3), ("home", 4)]


def test_an_edited_scorecard_queues_no_receipt_and_no_card_refresh():
    """As wired: an edit changes what the pre-read and the Homes show, never the card or the outbox."""
    calls: list[str] = []

    class Recorder:
        def __getattr__(self, name):
            return lambda *args: calls.append(name)

    services = SimpleNamespace(
        **{n: Recorder() for n in ("loops", "debrief", "dispatcher", "training", "graduation", "homes")}
    )
    background = QueuedBackground()
    bus = EventBus(background, subscriptions(services))  # type: ignore[arg-type]
    bus.publish([ScorecardSubmitted(1, PRIYA, created=False)])
    assert sorted(calls) == ["follow_changes", "refresh_dashboards"]  # asked at once, not queued
    assert background.drain() == 1
    assert sorted(calls) == ["follow_changes", "refresh_dashboards", "refresh_if_posted"]


def test_only_coalesced_subscribers_are_keyed_so_a_stopping_worker_drops_no_other():
    """A key marks a job redone from the database, which a stopping worker may drop
    (bot/background.py); inviting someone or a DM built from the event is not one of those."""
    keys: list[object] = []

    class Recording:
        def submit(self, job, *, user, channel=None, key=None, reply_url=None):
            keys.append(key)

    @coalesce(by=lambda event: event.candidate_id)
    def card(event):
        pass

    def invite(event):
        pass

    EventBus(Recording(), {LoopDecided: [card, invite]}).publish([LoopDecided(7, RECRUITER)])  # type: ignore[arg-type]
    assert keys[0] is not None and keys[1] is None


def test_a_subscriber_that_only_asks_runs_as_it_is_published_and_its_failure_stays_there(caplog):
    ran: list[str] = []

    @asks_only
    def ask(event):
        ran.append(f"ask {event.candidate_id}")
        if event.candidate_id == 2:
            raise RuntimeError("candidate Jane Roe")

    def refresh(event):
        ran.append(f"refresh {event.candidate_id}")

    background = QueuedBackground()
    bus = EventBus(background, {ScorecardSubmitted: [ask, refresh]})
    bus.publish([ScorecardSubmitted(1, PRIYA, created=False), ScorecardSubmitted(2, PRIYA, created=False)])
    assert ran == ["ask 1", "ask 2"]  # in the publishing thread, before anything queued runs
    assert len(background.queue) == 2  # only the real work is a job
    background.drain()
    assert ran == ["ask 1", "ask 2", "refresh 1", "refresh 2"]  # the failed ask stopped nothing
    assert "RuntimeError" in caplog.text and "Jane Roe" not in caplog.text
