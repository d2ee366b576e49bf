"""DebriefService with fakes: the pre-read posted once and refreshed in place, and the decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.errors import InvalidInput, PermissionDenied
from db.models import Candidate, Decision, LoopStatus, Reminder, ReminderStatus
from tests.support.domain import at, new_loop, plan, submit
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER


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
    loops.after_scorecard(candidate_id)
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
    world.services.loops.after_scorecard(candidate_id)
    [updated] = _pre_reads(world, candidate_id, "update_message")
    assert updated["ts"] == ts and len(_pre_reads(world, candidate_id, "post_message")) == 1
    summary, _, changes = world.render.of("debrief")[-1]
    assert summary.submitted == 2 and [(c.interviewer_id, c.amended) for c in changes] == [(OMAR, False)]
    # Nothing new: a second refresh (a retried job) leaves the posting alone.
    world.services.loops.after_scorecard(candidate_id)
    assert len(_pre_reads(world, candidate_id, "update_message")) == 1


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
    with pytest.raises(InvalidInput):
        world.services.debrief.decide(candidate_id, RECRUITER, "hire", "Changed my mind.")
    assert len(world.render.of("decision")) == 1
