"""DebriefService with fakes: the pre-read posted once and refreshed in place, and the decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.errors import InvalidInput, PermissionDenied, SlackTargetGone, SlackTransientError
from db.models import Candidate, Decision, LoopStatus, Reminder, ReminderKind, ReminderStatus
from tests.support.domain import at, new_loop, plan, submit
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER
from tests.support.statements import listening


@pytest.fixture
def loop(world):
    """Two interviews on Monday, Priya's scorecard in, and a debrief on Wednesday at 16:00."""
    candidate_id = new_loop(world)
    loops = world.services.loops
    coding = loops.add_interview(candidate_id, plan("coding_round", PRIYA, "2030-03-04 10:00"), RECRUITER)
    design = loops.add_interview(candidate_id, plan("ml_system_design", OMAR, "2030-03-04 14:00"), RECRUITER)
    loops.set_debrief(candidate_id, "2030-03-06", "16:00", RECRUITER)
    world.clock.set(at("2030-03-05 09:00"))
    submit(world, coding, PRIYA)
    world.services.background.drain()  # what follows a submission: the card, the pre-read, the Home tab
    return candidate_id, coding, design


def _channel(world, candidate_id: int) -> str:
    with world.db.transaction() as session:
        return session.get(Candidate, candidate_id).channel_id


def _pre_reads(world, candidate_id: int, method: str) -> list[dict]:
    channel = _channel(world, candidate_id)
    return [m for m in world.slack.called(method) if m["channel"] == channel and m["text"] == "debrief"]


def test_the_pre_read_waits_for_its_time_then_is_posted_once(world, loop):
    candidate_id, _, _ = loop
    assert _pre_reads(world, candidate_id, "post_message") == []  # a scorecard alone posts nothing
    world.clock.set(at("2030-03-06 14:00"))
    world.services.dispatcher.sweep()
    world.clock.set(at("2030-03-06 15:10"))
    world.services.dispatcher.sweep()
    world.services.dispatcher.sweep()
    [posted] = _pre_reads(world, candidate_id, "post_message")
    summary, rendered_for, changes = world.render.of("debrief")[-1]
    assert rendered_for == candidate_id and changes == []
    assert (summary.submitted, summary.expected) == (1, 2)
    assert [m.interviewer_id for m in summary.missing] == [OMAR]
    assert posted["blocks"]


def test_a_late_scorecard_edits_the_posted_pre_read_in_place_and_says_what_changed(world, loop):
    candidate_id, _, design = loop
    ts = world.services.debrief.post(candidate_id, RECRUITER)
    assert len(_pre_reads(world, candidate_id, "post_message")) == 1
    submit(world, design, OMAR, stage_key="ml_system_design")
    world.services.background.drain()
    [updated] = _pre_reads(world, candidate_id, "update_message")
    assert updated["ts"] == ts and len(_pre_reads(world, candidate_id, "post_message")) == 1
    summary, _, changes = world.render.of("debrief")[-1]
    assert summary.submitted == 2 and [(c.interviewer_id, c.amended) for c in changes] == [(OMAR, False)]
    # Nothing new: a second refresh (a retried job) leaves the posting alone.
    world.services.debrief.refresh_if_posted(candidate_id)
    assert len(_pre_reads(world, candidate_id, "update_message")) == 1


def test_before_the_pre_read_is_posted_a_refresh_is_one_question_and_changes_nothing(world, loop):
    """What each submission's follow-up asks first: one statement, no transaction."""
    candidate_id, _, _ = loop
    statements: list[str] = []
    commits: list[object] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    def committed(conn) -> None:
        commits.append(conn)

    with listening(world.db.engine, before_cursor_execute=seen, commit=committed):
        world.services.debrief.refresh_if_posted(candidate_id)
    assert len(statements) == 1 and "debriefs" in statements[0]
    assert commits == []  # no transaction to commit
    assert _pre_reads(world, candidate_id, "post_message") == []
    assert _pre_reads(world, candidate_id, "update_message") == []


def test_only_the_people_running_the_loop_post_the_pre_read_or_decide(world, loop):
    candidate_id, _, _ = loop
    with pytest.raises(PermissionDenied):
        world.services.debrief.post(candidate_id, PRIYA)
    with pytest.raises(PermissionDenied):
        world.services.debrief.decide(candidate_id, OMAR, "hire", "Strong across the board.")
    assert _pre_reads(world, candidate_id, "post_message") == []


def test_a_decision_closes_the_loop_stops_its_reminders_and_is_announced(world, loop):
    candidate_id, _, _ = loop
    world.services.debrief.decide(candidate_id, MANAGER, "hire", "  Strong evidence in both rounds.  ")
    world.services.background.drain()  # the announcement and the card follow the decision
    with world.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert (candidate.status, candidate.decision) == (LoopStatus.DECIDED, Decision.HIRE)
        assert candidate.decision_rationale == "Strong evidence in both rounds."
        pending = session.scalars(
            select(Reminder).where(Reminder.candidate_id == candidate_id, Reminder.status == ReminderStatus.PENDING)
        ).all()
    assert pending == []
    [(decision, rationale, actor, archive_for)] = world.render.of("decision")
    assert (decision, rationale, actor, archive_for) == (
        Decision.HIRE,
        "Strong evidence in both rounds.",
        MANAGER,
        candidate_id,
    )
    assert world.slack.called("post_message")[-1]["channel"] == _channel(world, candidate_id)
    assert world.render.of("loop_card")[-1].status is LoopStatus.DECIDED


def test_a_decision_is_checked_and_made_only_once(world, loop):
    candidate_id, _, _ = loop
    with pytest.raises(InvalidInput) as refused:
        world.services.debrief.decide(candidate_id, RECRUITER, "maybe", " ")
    assert set(refused.value.errors) == {"decision", "rationale"}
    world.services.debrief.decide(candidate_id, RECRUITER, "no_hire", "Not enough depth in system design.")
    world.services.background.drain()
    with pytest.raises(InvalidInput):
        world.services.debrief.decide(candidate_id, RECRUITER, "hire", "Changed my mind.")
    world.services.background.drain()
    assert len(world.render.of("decision")) == 1


def _decision_row(world, candidate_id: int) -> Reminder:
    with world.db.transaction() as session:
        return session.scalars(
            select(Reminder).where(Reminder.candidate_id == candidate_id, Reminder.kind == ReminderKind.DECISION)
        ).one()


def test_a_decision_is_announced_even_when_its_worker_stopped_before_the_follow_ups(world, loop):
    """The announcement is an outbox row written with the decision: a web worker stopped (a
    deploy) between the ack and its follow-ups leaves it to the scheduler's next sweep."""
    candidate_id, _, _ = loop
    world.services.debrief.decide(candidate_id, MANAGER, "hire", "Strong evidence in both rounds.")
    world.services.background.queue.clear()  # the worker stopped: its follow-ups never ran
    assert world.render.of("decision") == []
    world.services.dispatcher.sweep()
    world.services.dispatcher.sweep()  # a second sweep finds it sent, and posts nothing more
    [(decision, _, actor, archive_for)] = world.render.of("decision")
    assert (decision, actor, archive_for) == (Decision.HIRE, MANAGER, candidate_id)
    assert [m["channel"] for m in world.slack.called("post_message") if m["text"] == "decision"] == [
        _channel(world, candidate_id)
    ]
    assert _decision_row(world, candidate_id).status is ReminderStatus.SENT


def test_an_announcement_slack_refused_is_retried_and_one_that_cannot_go_is_shown_on_the_card(world, loop):
    candidate_id, _, _ = loop
    world.slack.fail("post_message", SlackTransientError("chat.postMessage", "internal_error"), times=1)
    world.services.debrief.decide(candidate_id, RECRUITER, "no_hire", "Not enough depth in system design.")
    world.services.background.drain()
    row = _decision_row(world, candidate_id)
    assert (row.status, row.attempts, row.last_error) == (ReminderStatus.PENDING, 1, "internal_error")
    world.clock.set(row.due_at)  # the retry's time
    world.slack.fail("post_message", SlackTargetGone("chat.postMessage", "channel_not_found"))
    world.services.dispatcher.sweep()
    world.services.background.drain()
    assert _decision_row(world, candidate_id).status is ReminderStatus.FAILED
    assert any("channel_not_found" in problem for problem in world.render.of("loop_card")[-1].problems)


def test_a_loop_without_a_channel_has_no_announcement_to_post(world, loop):
    candidate_id, _, _ = loop
    with world.db.transaction() as session:
        session.get(Candidate, candidate_id).channel_id = None  # its set-up never made one
    world.services.debrief.decide(candidate_id, RECRUITER, "hire", "Strong evidence in both rounds.")
    world.services.background.drain()
    row = _decision_row(world, candidate_id)
    assert (row.status, row.last_error) == (ReminderStatus.EXPIRED, "no channel to announce the decision in")
    assert world.render.of("decision") == []
