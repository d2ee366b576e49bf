"""LoopService with fakes: opening a loop, planning interviews, and who may change what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.errors import InvalidInput, PermissionDenied, SlackSetupError
from bot.services.opening import NewLoop
from db.models import Candidate, Interview, InterviewStatus, LoopStatus, TeamMember
from tests.support.domain import at, new_loop, pending_reminders, plan, submit
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER

OUTSIDER = "U0EVE00001"


def _loops(world) -> int:
    with world.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Candidate))


def test_opening_a_loop_creates_one_channel_sets_it_up_and_posts_the_card_once(world):
    candidate_id = new_loop(world)

    [created] = world.slack.called("create_private_channel")
    with world.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate.status is LoopStatus.OPEN and candidate.problems == []
        channel = candidate.channel_id
    assert channel and created["name"].startswith("hire-")
    invited = {u for call in world.slack.called("invite") for u in call["users"]}
    assert {PRIYA, OMAR, MANAGER} <= invited
    assert len(world.slack.called("post_message")) == 1  # the card, and only the card
    assert [p["channel"] for p in world.slack.called("pin")] == [channel]
    assert world.render.of("loop_card")[-1].name == "Ada Candidate"


def test_a_replayed_submission_of_the_same_view_opens_nothing_more(world):
    new_loop(world)
    again = NewLoop("Ada Candidate", "ml-engineer", "balanced", RECRUITER, MANAGER, [PRIYA], None)
    assert world.services.loops.begin_loop(again, RECRUITER, "V0UNIT0001") is None
    assert _loops(world) == 1


def test_only_recruiters_open_loops(world):
    form = NewLoop("Ada Candidate", "ml-engineer", "balanced", RECRUITER, MANAGER, [PRIYA], None)
    with pytest.raises(PermissionDenied):
        world.services.loops.begin_loop(form, PRIYA, "V0UNIT0002")
    assert _loops(world) == 0 and world.slack.calls == []


def test_a_refused_channel_leaves_the_loop_retryable_with_the_reason_on_it(world):
    world.slack.fail("create_private_channel", SlackSetupError("conversations.create", "restricted_action"))
    form = NewLoop("Ada Candidate", "ml-engineer", "balanced", RECRUITER, MANAGER, [PRIYA], None)
    candidate_id = world.services.loops.begin_loop(form, RECRUITER, "V0UNIT0003")
    opened = world.services.loops.open_loop(candidate_id)
    assert opened is not None and "restricted_action" in opened.sentence
    with world.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate.channel_id is None and candidate.status is LoopStatus.OPENING
        assert any(p.startswith("channel") and "restricted_action" in p for p in candidate.problems)
    assert world.slack.called("post_message") == []


def test_adding_an_interview_stores_it_in_the_interviewers_zone_and_plans_its_reminders(world):
    candidate_id = new_loop(world, team=(PRIYA,))
    world.slack.zones[OMAR] = "America/New_York"
    interview_id = world.services.loops.add_interview(
        candidate_id, plan("ml_system_design", OMAR, "2030-03-06 10:00"), RECRUITER
    )
    with world.db.transaction() as session:
        interview = session.get(Interview, interview_id)
        # 10:00 in New York is 15:00 in London.
        assert interview.starts_at.astimezone(at("2030-03-06 00:00").tzinfo) == at("2030-03-06 15:00")
        assert interview.timezone == "America/New_York"
        assert OMAR in {m.user_id for m in session.scalars(select(TeamMember))}
    assert set(pending_reminders(world, interview_id)) == {"prep_kit", "scorecard_due", "chaser", "escalation"}
    # The new interviewer is invited to the channel, and the card shows the interview.
    assert [OMAR] in [c["users"] for c in world.slack.called("invite")]
    assert [line.id for line in world.render.of("loop_card")[-1].interviews] == [interview_id]


def test_an_interview_plan_is_checked_before_anything_is_written(world):
    candidate_id = new_loop(world)
    with pytest.raises(InvalidInput) as refused:
        world.services.loops.add_interview(candidate_id, plan("no_such_stage", PRIYA, minutes=5), RECRUITER)
    assert set(refused.value.errors) == {"stage", "duration"}
    with world.db.transaction() as session:
        assert session.scalars(select(Interview)).all() == []


def test_only_the_people_who_run_the_loop_change_its_plan(world):
    candidate_id = new_loop(world)
    with pytest.raises(PermissionDenied):
        world.services.loops.add_interview(candidate_id, plan(), OUTSIDER)
    interview_id = world.services.loops.add_interview(candidate_id, plan(), MANAGER)
    with pytest.raises(PermissionDenied):
        world.services.loops.cancel_interview(interview_id, PRIYA)


def test_rescheduling_moves_the_reminders_with_the_interview(world):
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(when="2030-03-06 14:00"), RECRUITER)
    assert pending_reminders(world, interview_id)["scorecard_due"] == at("2030-03-06 15:00")
    world.services.loops.reschedule(interview_id, plan(when="2030-03-07 11:00", minutes=45), RECRUITER)
    due = pending_reminders(world, interview_id)
    assert due["scorecard_due"] == at("2030-03-07 11:45") and due["prep_kit"] == at("2030-03-07 10:30")


def test_cancelling_an_interview_cancels_its_reminders_and_drops_it_from_the_card(world):
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(), RECRUITER)
    world.services.loops.cancel_interview(interview_id, RECRUITER)
    with world.db.transaction() as session:
        assert session.get(Interview, interview_id).status is InterviewStatus.CANCELLED
    assert pending_reminders(world, interview_id) == {}
    card = world.render.of("loop_card")[-1]
    assert [line.status for line in card.interviews if line.id == interview_id] in ([], [InterviewStatus.CANCELLED])


def test_an_interview_with_a_scorecard_can_be_neither_cancelled_nor_moved(world):
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(when="2030-03-04 08:00"), RECRUITER)
    world.clock.set(at("2030-03-04 10:00"))
    submit(world, interview_id, PRIYA)
    with pytest.raises(InvalidInput):
        world.services.loops.cancel_interview(interview_id, RECRUITER)
    with pytest.raises(InvalidInput):
        world.services.loops.reschedule(interview_id, plan(who=OMAR, when="2030-03-05 10:00"), RECRUITER)
    with world.db.transaction() as session:
        interview = session.get(Interview, interview_id)
        assert interview.interviewer_id == PRIYA and interview.status is InterviewStatus.SCHEDULED
