"""Training interviewers: trainees on interviews, practice scorecards kept apart, the comparison
after the decision, and graduation counted from decided loops."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.errors import InvalidInput, PermissionDenied, SlackTargetGone, SlackTransientError
from bot.fields import Field
from bot.services import pools
from bot.services.loops import NewLoop
from bot.services.practice import Agreement, agreement, panel_medians
from db.models import Interview, InterviewTrainee, PracticeScorecard, Reminder, ReminderKind, ReminderStatus
from db.vocabulary import PoolRole, TraineeMode
from tests.support.domain import form_for, new_loop, plan, submit
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER, FakeWorld

TRAINEE = "U0TRAINEE1"
CODING = ("ml-engineer", "coding_round")


# Counting and agreement, as plain functions.


def test_agreement_counts_ratings_within_one_point_of_the_panel_median_and_the_mean_difference() -> None:
    medians = panel_medians([{"a": 3, "b": 2, "c": 4}, {"a": 4, "b": 2}, {"a": 2, "b": 3}])
    assert medians == {"a": 3.0, "b": 2.0, "c": 4.0}
    result = agreement({"a": 4, "b": 4, "c": None, "d": 1}, medians)  # c unrated, d not rated by the panel
    assert (result.compared, result.within_one) == (2, 1)
    assert result.share == 0.5 and result.mean_difference == pytest.approx(1.5)


def test_agreement_adds_up_over_interviews_and_is_empty_with_nothing_to_compare() -> None:
    total = agreement({"a": 2}, {"a": 3.5}) + agreement({"a": 4, "b": 1}, {"a": 4.0, "b": 3.0})
    assert (total.compared, total.within_one) == (3, 1)
    assert total.mean_difference == pytest.approx((-1.5 + 0 - 2) / 3)
    assert Agreement().share is None and Agreement().mean_difference is None
    # An even panel's median sits between its two middle ratings.
    assert panel_medians([{"a": 2}, {"a": 3}]) == {"a": 2.5}


# The service.


def interview_on(world: FakeWorld, stage: str = "coding_round", who: str = PRIYA, when: str = "2030-03-06 14:00"):
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(stage, who, when), RECRUITER)
    return candidate_id, interview_id


def decide(world: FakeWorld, candidate_id: int) -> None:
    world.services.debrief.decide(candidate_id, RECRUITER, "hire", "Strong.", override="Training test.")


def test_a_recruiter_adds_a_shadow_who_gets_the_prep_kit_and_nothing_that_chases(world: FakeWorld) -> None:
    _, interview_id = interview_on(world)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.background.drain()  # the trainee's notice goes out right after the ack
    with world.db.transaction() as session:
        rows = session.scalars(select(Reminder).where(Reminder.target_user_id == TRAINEE)).all()
        assert {(r.kind, r.status) for r in rows} == {
            (ReminderKind.PREP_KIT, ReminderStatus.PENDING),
            (ReminderKind.TRAINEE_NOTICE, ReminderStatus.SENT),
        }
    [notice] = [m for m in world.slack.called("post_message") if m["channel"] == TRAINEE]
    assert "shadow" in notice["text"].lower()
    slot = world.services.training.slot(interview_id, MANAGER)
    assert slot.trainees == [(TRAINEE, TraineeMode.SHADOW)]
    # Again with the other mode: the same trainee, now leading.
    world.services.training.add_trainee(interview_id, MANAGER, TRAINEE, "reverse_shadow")
    assert world.services.training.slot(interview_id, RECRUITER).trainees == [(TRAINEE, TraineeMode.REVERSE_SHADOW)]


def test_a_reschedule_keeps_the_trainees_prep_kit(world: FakeWorld) -> None:
    _, interview_id = interview_on(world)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.loops.reschedule(interview_id, plan(when="2030-03-07 10:00"), RECRUITER)
    with world.db.transaction() as session:
        kits = session.scalars(
            select(Reminder).where(
                Reminder.target_user_id == TRAINEE,
                Reminder.kind == ReminderKind.PREP_KIT,
                Reminder.status == ReminderStatus.PENDING,
            )
        ).all()
        interview = session.get_one(Interview, interview_id)
        assert [k.due_at for k in kits] == [interview.starts_at - world.services.reminders.prep_kit_before]


def test_who_may_add_a_trainee_and_who_may_be_one(world: FakeWorld) -> None:
    _, interview_id = interview_on(world)
    training = world.services.training
    with pytest.raises(PermissionDenied):
        training.add_trainee(interview_id, OMAR, TRAINEE, "shadow")  # on the team, but doesn't run the loop
    for panel in (PRIYA, OMAR, MANAGER):  # the interviewer, a team member, the hiring manager
        with pytest.raises(InvalidInput) as caught:
            training.add_trainee(interview_id, RECRUITER, panel, "shadow")
        assert "blind" in caught.value.errors[Field.TRAINEE]
    with pytest.raises(InvalidInput) as caught:
        training.add_trainee(interview_id, RECRUITER, "", "lurking")
    assert set(caught.value.errors) == {Field.TRAINEE, Field.TRAINEE_MODE}


def test_only_the_trainee_fills_the_practice_scorecard_and_never_after_the_decision(world: FakeWorld) -> None:
    candidate_id, interview_id = interview_on(world)
    training = world.services.training
    training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    with pytest.raises(PermissionDenied):
        training.practice_context(interview_id, OMAR)
    with pytest.raises(InvalidInput):
        training.submit_practice(interview_id, TRAINEE, form_for(world, "coding_round", recommendation=None))
    saved = training.submit_practice(interview_id, TRAINEE, form_for(world, "coding_round", rating=2))
    assert not saved.submitted and training.practice_context(interview_id, TRAINEE).prefill is not None
    decide(world, candidate_id)
    with pytest.raises(PermissionDenied):
        training.submit_practice(interview_id, TRAINEE, form_for(world, "coding_round"))


def dms_to(world: FakeWorld, user: str) -> list[str]:
    return [m["text"] for m in world.slack.called("post_message") if m["channel"] == user]


def rows_of(world: FakeWorld, kind: ReminderKind) -> dict[str, Reminder]:
    with world.db.transaction() as session:
        return {r.target_user_id: r for r in session.scalars(select(Reminder).where(Reminder.kind == kind))}


def test_the_comparison_exists_only_once_the_loop_is_decided(world: FakeWorld) -> None:
    candidate_id, interview_id = interview_on(world)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.training.submit_practice(interview_id, TRAINEE, form_for(world, "coding_round", rating=1))
    submit(world, interview_id, PRIYA, rating=3)
    world.services.background.drain()
    told = len(dms_to(world, TRAINEE))  # the trainee's notice
    graduation = world.services.graduation
    assert graduation.comparisons(candidate_id) == []
    graduation.send_comparison(interview_id, TRAINEE)
    assert len(dms_to(world, TRAINEE)) == told and rows_of(world, ReminderKind.PRACTICE_COMPARISON) == {}
    decide(world, candidate_id)
    [comparison] = graduation.comparisons(candidate_id)
    assert comparison.trainee_id == TRAINEE and comparison.interviewer_id == PRIYA
    assert {(line.practice, line.interviewer, line.panel_median) for line in comparison.lines} == {(1, 3, 3.0)}
    assert (comparison.agreement.within_one, comparison.agreement.mean_difference) == (0, -2.0)
    world.services.background.drain()  # the decision's follow-ups send its outbox rows
    assert dms_to(world, TRAINEE)[told:] == ["Your practice ratings beside the panel's: Coding round, Ada Candidate"]
    assert rows_of(world, ReminderKind.PRACTICE_COMPARISON)[TRAINEE].status is ReminderStatus.SENT


def another_loop(world: FakeWorld, name: str) -> int:
    """A second (third…) loop: each needs its own modal submission id."""
    form = NewLoop(
        candidate_name=name,
        pack="ml-engineer",
        profile="balanced",
        recruiter_id=RECRUITER,
        hiring_manager_id=MANAGER,
        team=[PRIYA],
        resume_url=None,
    )
    candidate_id = world.services.loops.begin_loop(form, RECRUITER, f"V0{name[-2:]}")
    assert candidate_id is not None and world.services.loops.open_loop(candidate_id) is not None
    return candidate_id


def practice_loop(world: FakeWorld, mode: str, rating: int, day: int) -> int:
    """One decided coding round with the trainee in `mode`; the panel rates 3 throughout."""
    candidate_id = another_loop(world, f"Candidate {day}")
    interview_id = world.services.loops.add_interview(candidate_id, plan(when=f"2030-03-{day:02d} 10:00"), RECRUITER)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, mode)
    world.services.training.submit_practice(interview_id, TRAINEE, form_for(world, "coding_round", rating=rating))
    submit(world, interview_id, PRIYA, rating=3)
    return candidate_id


def one_decision_from_ready(world: FakeWorld) -> int:
    """Two shadows decided and their follow-ups run; returns the undecided reverse shadow's loop,
    whose decision makes the trainee ready for the coding round."""
    practice_loop(world, "shadow", 3, 11)
    practice_loop(world, "shadow", 3, 12)
    last = practice_loop(world, "reverse_shadow", 3, 13)
    for candidate_id in range(1, last):
        decide(world, candidate_id)
    world.services.background.drain()
    return last


def test_graduation_is_offered_at_two_shadows_and_one_reverse_shadow(world: FakeWorld) -> None:
    graduation = world.services.graduation
    first = practice_loop(world, "shadow", 3, 11)
    second = practice_loop(world, "shadow", 4, 12)
    undecided = practice_loop(world, "reverse_shadow", 3, 13)
    for candidate_id in (first, second):
        decide(world, candidate_id)
        assert graduation.offers(candidate_id) == []  # an undecided loop does not count
    with world.db.transaction() as session:
        progress = graduation.progress(session, *CODING, TRAINEE)
    assert (progress.shadows, progress.reverse_shadows, progress.ready) == (2, 0, False)
    decide(world, undecided)
    [offer] = graduation.offers(undecided)
    assert (offer.shadows, offer.reverse_shadows, offer.trained) == (2, 1, False)
    # Six coding-round competency ratings: 3, 4, 3 against a panel median of 3 each time.
    assert offer.agreement.share == 1.0
    assert offer.agreement.mean_difference == pytest.approx(2 / 6)
    world.services.background.drain()
    # Only the decision that made the trainee ready offers it: one DM, to the one recruiter.
    assert [t for t in dms_to(world, RECRUITER) if t.startswith("Ready to mark trained")] == [
        "Ready to mark trained: Coding round (Machine Learning Engineer)"
    ]
    assert list(rows_of(world, ReminderKind.GRADUATION_OFFER)) == [RECRUITER]


def test_mark_trained_is_for_recruiters_and_flips_the_pool_role(world: FakeWorld) -> None:
    graduation = world.services.graduation
    value = f"{CODING[0]}|{CODING[1]}|{TRAINEE}"
    with pytest.raises(PermissionDenied) as caught:
        graduation.mark_trained(MANAGER, value)
    assert "Only recruiters" in caught.value.user_message
    with pytest.raises(InvalidInput):
        graduation.mark_trained(RECRUITER, "ml-engineer|no_such_stage|U0TRAINEE1")
    progress = graduation.mark_trained(RECRUITER, value)
    assert progress.trained
    with world.db.transaction() as session:
        member = pools.member(session, *CODING, TRAINEE)
    assert member is not None and member.role is PoolRole.TRAINED


def test_a_comparison_slack_refuses_for_good_is_on_the_card_and_the_other_trainee_gets_theirs(
    world: FakeWorld,
) -> None:
    candidate_id, interview_id = interview_on(world)
    for trainee in (TRAINEE, "U0TRAINEE2"):
        world.services.training.add_trainee(interview_id, RECRUITER, trainee, "shadow")
        world.services.training.submit_practice(interview_id, trainee, form_for(world, "coding_round"))
    world.services.background.drain()
    world.slack.fail("post_message", SlackTargetGone("chat.postMessage", "user_not_found"), to=TRAINEE)
    decide(world, candidate_id)
    world.services.background.drain()
    rows = rows_of(world, ReminderKind.PRACTICE_COMPARISON)
    assert (rows[TRAINEE].status, rows[TRAINEE].last_error) == (ReminderStatus.FAILED, "user_not_found")
    assert rows["U0TRAINEE2"].status is ReminderStatus.SENT
    assert any(t.startswith("Your practice ratings") for t in dms_to(world, "U0TRAINEE2"))
    assert any("user_not_found" in problem for problem in world.render.of("loop_card")[-1].problems)


def test_the_comparison_and_the_offer_survive_a_worker_stopped_before_the_follow_ups(world: FakeWorld) -> None:
    """Both are outbox rows written with the decision: a web worker stopped (a deploy) between
    the ack and its follow-ups leaves them to the scheduler's next sweep, which sends each once."""
    last = one_decision_from_ready(world)
    before = len(dms_to(world, TRAINEE)), len(dms_to(world, RECRUITER))
    decide(world, last)
    world.services.background.queue.clear()  # the worker stopped: its follow-ups never ran
    world.services.dispatcher.sweep()
    world.services.dispatcher.sweep()  # the second finds them sent
    world.services.background.drain()
    assert [t for t in dms_to(world, TRAINEE)[before[0] :] if t.startswith("Your practice")] == [
        "Your practice ratings beside the panel's: Coding round, Candidate 13"
    ]
    assert [t for t in dms_to(world, RECRUITER)[before[1] :] if t.startswith("Ready")] == [
        "Ready to mark trained: Coding round (Machine Learning Engineer)"
    ]


def test_a_trainee_marked_trained_before_the_offer_went_is_not_offered_again(world: FakeWorld) -> None:
    decide(world, one_decision_from_ready(world))
    world.services.background.queue.clear()
    world.services.graduation.mark_trained(RECRUITER, f"{CODING[0]}|{CODING[1]}|{TRAINEE}")
    world.services.dispatcher.sweep()
    assert not any(t.startswith("Ready to mark trained") for t in dms_to(world, RECRUITER))


def test_purging_a_loop_removes_its_trainees_and_practice_scorecards(world: FakeWorld) -> None:
    candidate_id, interview_id = interview_on(world)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.training.submit_practice(interview_id, TRAINEE, form_for(world, "coding_round"))
    decide(world, candidate_id)
    world.services.debrief.purge(candidate_id)
    with world.db.transaction() as session:
        assert session.scalars(select(PracticeScorecard)).all() == []
        assert session.scalars(select(InterviewTrainee)).all() == []


def test_an_offer_slack_refuses_is_retried_and_one_refused_for_good_is_on_the_card(world: FakeWorld) -> None:
    last = one_decision_from_ready(world)
    world.slack.fail("post_message", SlackTransientError("chat.postMessage", "internal_error"), times=1, to=RECRUITER)
    decide(world, last)
    world.services.background.drain()
    row = rows_of(world, ReminderKind.GRADUATION_OFFER)[RECRUITER]
    assert (row.status, row.attempts, row.last_error) == (ReminderStatus.PENDING, 1, "internal_error")
    world.clock.set(row.due_at)
    world.slack.fail("post_message", SlackTargetGone("chat.postMessage", "account_inactive"), to=RECRUITER)
    world.services.dispatcher.sweep()
    world.services.background.drain()
    assert rows_of(world, ReminderKind.GRADUATION_OFFER)[RECRUITER].status is ReminderStatus.FAILED
    assert any("account_inactive" in problem for problem in world.render.of("loop_card")[-1].problems)


def _notice_row(world: FakeWorld) -> Reminder:
    with world.db.transaction() as session:
        return session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.TRAINEE_NOTICE)).one()


def test_a_trainee_is_told_even_when_the_worker_stopped_before_the_follow_ups(world: FakeWorld) -> None:
    _, interview_id = interview_on(world)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.background.queue.clear()  # a deploy stopped the web worker after the ack
    assert TRAINEE not in [m["channel"] for m in world.slack.called("post_message")]
    world.services.dispatcher.sweep()  # the scheduler's next sweep
    world.services.dispatcher.sweep()
    assert [m["channel"] for m in world.slack.called("post_message")].count(TRAINEE) == 1
    assert _notice_row(world).status is ReminderStatus.SENT


def test_a_trainee_slack_will_not_dm_is_retried_or_reported_to_whoever_added_them(world: FakeWorld) -> None:
    _, interview_id = interview_on(world)
    world.slack.fail("post_message", SlackTransientError("chat.postMessage", "internal_error"), times=1)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.background.drain()
    row = _notice_row(world)
    assert (row.status, row.last_error) == (ReminderStatus.PENDING, "internal_error")  # a passing error: later
    assert RECRUITER not in [m["channel"] for m in world.slack.called("post_message")]
    world.clock.set(row.due_at)
    world.slack.fail("post_message", SlackTargetGone("chat.postMessage", "user_disabled"), times=1)
    world.services.dispatcher.sweep()
    world.services.background.drain()
    assert _notice_row(world).status is ReminderStatus.FAILED
    [told] = [m["text"] for m in world.slack.called("post_message") if m["channel"] == RECRUITER]
    assert "couldn't DM" in told and "user_disabled" in told and "prep kit" in told
    assert any("user_disabled" in problem for problem in world.render.of("loop_card")[-1].problems)


def test_no_notice_goes_to_a_trainee_of_an_interview_cancelled_meanwhile(world: FakeWorld) -> None:
    _, interview_id = interview_on(world)
    world.services.training.add_trainee(interview_id, RECRUITER, TRAINEE, "shadow")
    world.services.background.queue.clear()
    world.services.loops.cancel_interview(interview_id, RECRUITER)
    world.services.background.drain()
    world.services.dispatcher.sweep()
    assert TRAINEE not in [m["channel"] for m in world.slack.called("post_message")]
    assert _notice_row(world).status is ReminderStatus.CANCELLED
