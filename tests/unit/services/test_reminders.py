"""ReminderPlanner and ReminderDispatcher with fakes: what is planned, what a submission
cancels, what a sweep sends, and when working hours hold a reminder back."""

from __future__ import annotations

import concurrent.futures.thread
import re

from sqlalchemy import select

from bot.background import stopping
from bot.errors import SlackTargetGone, SlackTransientError
from bot.services.delivery import SENDERS
from bot.services.reminders import INVITE_KINDS
from db.models import Candidate, Debrief, Interview, Person, Reminder, ReminderKind, ReminderStatus, Scorecard
from tests.support.domain import at, new_loop, pending_reminders, plan, submit
from tests.support.fakes import OMAR, PRIYA, RECRUITER
from tests.support.statements import listening


def _interview(world, when: str = "2030-03-06 14:00") -> tuple[int, int]:
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(when=when), RECRUITER)
    world.services.background.drain()  # its calendar invite goes out right away, as in the app
    return candidate_id, interview_id


def _sweep_at(world, moment: str):
    world.services.background.drain()  # calendar invites go out right after the change, as in the app
    world.clock.set(at(moment))
    return world.services.dispatcher.sweep()


def _dms(world, user: str) -> list[dict]:
    return [m for m in world.slack.called("post_message") if m["channel"] == user]


def _statuses(world, interview_id: int) -> dict[str, ReminderStatus]:
    with world.db.transaction() as session:
        rows = session.scalars(
            select(Reminder).where(Reminder.interview_id == interview_id, Reminder.kind.not_in(INVITE_KINDS))
        )
        return {r.kind.value: r.status for r in rows}


def test_adding_an_interview_plans_prep_kit_due_notice_chaser_and_escalation(world):
    _, interview_id = _interview(world, "2030-03-06 14:00")  # a Wednesday, 14:00-15:00 London
    assert pending_reminders(world, interview_id) == {
        "prep_kit": at("2030-03-06 13:30"),
        "scorecard_due": at("2030-03-06 15:00"),
        "chaser": at("2030-03-06 16:00"),
        "escalation": at("2030-03-08 15:00"),  # two working days after the end
    }


def test_submitting_the_scorecard_cancels_the_chasing_but_not_history(world):
    _, interview_id = _interview(world, "2030-03-04 07:00")
    world.clock.set(at("2030-03-04 08:30"))
    submit(world, interview_id, PRIYA)
    statuses = _statuses(world, interview_id)
    assert {statuses[k] for k in ("scorecard_due", "chaser", "escalation")} == {ReminderStatus.CANCELLED}
    # What still goes out is the channel's receipt (an outbox row too, posted as soon as the
    # submission's follow-ups run, before this sweep); nothing chases Priya.
    assert _sweep_at(world, "2030-03-08 12:00").sent == 0
    assert _statuses(world, interview_id)["receipt"] is ReminderStatus.SENT
    assert _dms(world, PRIYA) == []


def test_a_sweep_sends_a_due_prep_kit_once(world):
    _, interview_id = _interview(world)
    assert _sweep_at(world, "2030-03-06 13:29").claimed == 0
    stats = _sweep_at(world, "2030-03-06 13:31")
    assert stats.sent == 1 and len(_dms(world, PRIYA)) == 1
    [kit] = world.render.of("prep_kit")
    assert kit.interview_id == interview_id and kit.stage_name
    assert _statuses(world, interview_id)["prep_kit"] is ReminderStatus.SENT
    assert _sweep_at(world, "2030-03-06 13:40").sent == 0 and len(_dms(world, PRIYA)) == 1


def test_a_due_notice_after_working_hours_waits_for_the_next_working_morning(world):
    _, interview_id = _interview(world, "2030-03-08 17:30")  # Friday, ends 18:30 London
    world.clock.set(at("2030-03-08 17:00"))
    world.services.dispatcher.sweep()  # the prep kit, in hours
    world.slack.calls.clear()
    stats = _sweep_at(world, "2030-03-08 18:31")
    assert stats.deferred == 1 and stats.sent == 0 and _dms(world, PRIYA) == []
    due = pending_reminders(world, interview_id)
    assert due["scorecard_due"] == at("2030-03-11 09:00")  # Monday morning
    # The first chaser, due at 19:30, is held back to 09:30 on Monday.
    _sweep_at(world, "2030-03-08 19:31")
    assert pending_reminders(world, interview_id)["chaser"] == at("2030-03-11 09:30")


def test_a_transient_slack_failure_is_retried_later_and_a_gone_user_fails_for_good(world):
    _, interview_id = _interview(world)
    world.slack.fail("post_message", SlackTransientError("chat.postMessage", "internal_error"), times=1)
    stats = _sweep_at(world, "2030-03-06 13:31")
    assert stats.retried == 1 and _statuses(world, interview_id)["prep_kit"] is ReminderStatus.PENDING
    assert pending_reminders(world, interview_id)["prep_kit"] > at("2030-03-06 13:31")

    world.slack.fail("post_message", SlackTargetGone("chat.postMessage", "user_not_found"))
    stats = _sweep_at(world, "2030-03-06 13:45")
    assert stats.failed == 1 and _statuses(world, interview_id)["prep_kit"] is ReminderStatus.FAILED


def test_reminders_of_a_cancelled_interview_never_go_out(world):
    _, interview_id = _interview(world)
    world.services.loops.cancel_interview(interview_id, RECRUITER)
    assert _sweep_at(world, "2030-03-12 12:00").sent == 0
    assert _dms(world, PRIYA) == []
    assert ReminderStatus.PENDING not in _statuses(world, interview_id).values()


def test_a_debrief_time_plans_the_pre_read_and_the_nudge(world):
    candidate_id, _ = _interview(world)
    world.services.loops.set_debrief(candidate_id, "2030-03-12", "16:00", RECRUITER)
    with world.db.transaction() as session:
        rows = session.scalars(
            select(Reminder).where(
                Reminder.candidate_id == candidate_id,
                Reminder.interview_id.is_(None),
                Reminder.kind.not_in(INVITE_KINDS),
            )
        )
        kinds = {r.kind: r.status for r in rows}
    assert kinds == {
        ReminderKind.DEBRIEF_SUMMARY: ReminderStatus.PENDING,
        ReminderKind.PRE_DEBRIEF_NUDGE: ReminderStatus.PENDING,
    }


def test_a_sweep_that_cannot_start_its_senders_hands_the_messages_back(world, monkeypatch):
    """gunicorn stopping a web worker: Python refuses new threads while it exits, and a receipt
    sweep still queued then must neither crash nor keep its claims for a lease (150 s)."""
    interviews = []
    for n in range(SENDERS + 1):
        candidate_id = new_loop(world, name=f"Candidate {n}", view_id=f"V0UNIT00{n}")
        interviews.append(world.services.loops.add_interview(candidate_id, plan(when="2030-03-06 14:00"), RECRUITER))
    world.clock.set(at("2030-03-06 16:10"))
    for interview_id in interviews:
        submit(world, interview_id, PRIYA)  # each loop's channel gets a receipt: more channels than senders
    monkeypatch.setattr(concurrent.futures.thread, "_shutdown", True)  # what interpreter exit sets
    receipts_before = len(world.slack.called("post_message"))
    world.services.background.drain()  # the receipts' own sweep, as the submission's follow-up
    stats = world.services.dispatcher.sweep()
    assert len(world.slack.called("post_message")) == receipts_before
    assert stats.sent == 0
    with world.db.transaction() as session:
        receipts = session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.RECEIPT)).all()
        assert len(receipts) == SENDERS + 1
        assert {(r.status, r.claim_token, r.attempts) for r in receipts} == {(ReminderStatus.PENDING, None, 0)}
    monkeypatch.setattr(concurrent.futures.thread, "_shutdown", False)  # the other worker's sweep
    assert world.services.dispatcher.sweep().sent >= SENDERS + 1


def test_a_sweep_running_when_its_worker_stops_hands_back_what_it_has_not_sent(world, monkeypatch):
    """A deploy under load: a receipt sweep holding many claimed rows would keep the worker
    sending, one channel a second, past gunicorn's patience. Once the worker's grace runs out
    it sends nothing more, and the rest are due at once for the scheduler's sweep."""
    interviews = []
    for n in range(3):
        candidate_id = new_loop(world, name=f"Candidate {n}", view_id=f"V0STOP00{n}")
        interviews.append(world.services.loops.add_interview(candidate_id, plan(when="2030-03-06 14:00"), RECRUITER))
    world.clock.set(at("2030-03-06 16:10"))
    for interview_id in interviews:
        submit(world, interview_id, PRIYA)
    world.services.background.queue.clear()  # the receipts wait in the outbox
    post = world.slack.post_message

    def worker_exit_during_the_first_send(*args, **kwargs):
        stopping(0.0)  # gunicorn's worker_exit hook, with its grace already spent
        return post(*args, **kwargs)

    monkeypatch.setattr(world.slack, "post_message", worker_exit_during_the_first_send)
    try:
        stats = world.services.dispatcher.post_receipts()
    finally:
        stopping(None)
        monkeypatch.undo()
    assert (stats.claimed, stats.sent, stats.retried) == (3, 1, 2)
    with world.db.transaction() as session:
        receipts = session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.RECEIPT)).all()
        left = [(r.status, r.claim_token, r.attempts, r.due_at) for r in receipts if r.sent_at is None]
    assert left == [(ReminderStatus.PENDING, None, 0, at("2030-03-06 16:10"))] * 2
    assert world.services.dispatcher.post_receipts().sent == 2  # the scheduler's next sweep


def test_a_receipt_sweep_reads_only_what_a_receipt_says(world):
    """Every first scorecard is followed by a receipt sweep, in the web worker. A receipt names
    its interview's stage and author and nothing else of the loop, so the sweep reads the loop
    (for its status), the interview and its scorecard, and not the loop's other interviews,
    its debrief or anyone's working hours."""
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(when="2030-03-04 07:00"), RECRUITER)
    world.services.loops.add_interview(candidate_id, plan(when="2030-03-04 11:00", who=OMAR), RECRUITER)
    world.services.background.drain()
    world.clock.set(at("2030-03-04 08:30"))
    submit(world, interview_id, PRIYA)
    world.services.background.queue.clear()  # the receipt waits in the outbox
    read: list[str] = []

    def statement(_conn, _cursor, sql, *_):
        if sql.lstrip().startswith("SELECT"):
            read.extend(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", sql))

    with listening(world.db.engine, before_cursor_execute=statement):
        assert world.services.dispatcher.post_receipts().sent == 1
    [receipt] = [m for m in world.slack.called("post_message") if "submitted the" in m["text"]]
    assert receipt["text"].startswith(f"✅ <@{PRIYA}> submitted the ")
    tables = {model.__tablename__ for model in (Candidate, Interview, Scorecard, Debrief, Person)}
    looked_at = [table for table in read if table in tables]
    assert sorted(looked_at) == ["candidates", "interviews", "scorecards"], read
