"""ScorecardService with fakes: exactly-once submission, blind feedback, and who may write."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.errors import InvalidInput, NotFound, PermissionDenied
from db.models import AuditEvent, Interview, RaisedRedFlag, Rating, Scorecard
from tests.support.domain import at, form_for, new_loop, plan, submit
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER


@pytest.fixture
def loop(world):
    """A loop with yesterday's coding round (Priya) and system design (Omar); it is now Tuesday."""
    candidate_id = new_loop(world)
    loops = world.services.loops
    coding = loops.add_interview(candidate_id, plan("coding_round", PRIYA, "2030-03-04 10:00"), RECRUITER)
    design = loops.add_interview(candidate_id, plan("ml_system_design", OMAR, "2030-03-04 14:00"), RECRUITER)
    world.clock.set(at("2030-03-05 09:00"))
    return candidate_id, coding, design


def _count(world, model, **where) -> int:
    with world.db.transaction() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_a_scorecard_is_stored_exactly_once_and_an_unchanged_repeat_changes_nothing(world, loop):
    _, coding, _ = loop
    first = submit(world, coding, PRIYA)
    assert first.created and first.changed and not first.amended
    repeat = submit(world, coding, PRIYA)
    assert (repeat.created, repeat.changed, repeat.scorecard_id) == (False, False, first.scorecard_id)
    assert _count(world, Scorecard) == 1
    assert _count(world, AuditEvent, action="scorecard.submitted") == 1
    assert _count(world, AuditEvent, action="scorecard.edited") == 0


def test_a_different_resubmission_is_an_edit_of_the_same_scorecard(world, loop):
    _, coding, _ = loop
    first = submit(world, coding, PRIYA)
    edit = submit(world, coding, PRIYA, recommendation="strong_yes")
    assert (edit.created, edit.changed, edit.scorecard_id) == (False, True, first.scorecard_id)
    with world.db.transaction() as session:
        assert session.scalars(select(Scorecard)).one().recommendation == "strong_yes"
    assert _count(world, AuditEvent, action="scorecard.edited") == 1


def _stored_rows(world):
    with world.db.transaction() as session:
        ratings = {r.competency_key: (r.id, r.rating, r.evidence) for r in session.scalars(select(Rating))}
        flags = {f.flag_key: (f.id, f.evidence) for f in session.scalars(select(RaisedRedFlag))}
        return ratings, flags


def test_an_edit_rewrites_only_what_changed_and_keeps_every_row_it_keeps(world, loop):
    _, coding, _ = loop
    flagged = {"weak_engineering": "No tests at all.", "ignores_data_quality": "Dropped nulls silently."}
    submit(world, coding, PRIYA, flags=sorted(flagged), flag_evidence=flagged)
    ratings_before, flags_before = _stored_rows(world)
    evidence = {
        "software_engineering": "Explained the trade-off with numbers.",
        "data_pipelines": "Wrote the backfill one day at a time and checked the row counts.",
    }
    edited = {"weak_engineering": "No tests, and no plan for them.", "framework_dependent": "Only knew the wrapper."}
    result = submit(
        world, coding, PRIYA, rating=2, evidence=evidence, flags=sorted(edited), flag_evidence=edited, notes="Re-read."
    )
    assert result.changed and not result.created
    ratings, flags = _stored_rows(world)
    # Ratings are updated in place (same ids); a kept flag too; a dropped flag goes, a new one comes.
    assert ratings == {
        "software_engineering": (ratings_before["software_engineering"][0], 2, evidence["software_engineering"]),
        "data_pipelines": (ratings_before["data_pipelines"][0], 2, evidence["data_pipelines"]),
    }
    assert set(flags) == {"weak_engineering", "framework_dependent"}
    assert flags["weak_engineering"] == (flags_before["weak_engineering"][0], edited["weak_engineering"])
    assert flags["framework_dependent"][1] == edited["framework_dependent"]
    panel = world.services.scorecards.panel(loop[0], RECRUITER)
    (entry,) = panel.entries
    assert entry.notes == "Re-read."
    assert {evidence for _, evidence in entry.flags} == set(edited.values())


def test_an_incomplete_scorecard_is_refused_field_by_field_and_nothing_is_stored(world, loop):
    _, coding, _ = loop
    form = form_for(world, "coding_round", rating=4, evidence={}, recommendation=None)
    with pytest.raises(InvalidInput) as refused:
        world.services.scorecards.submit(coding, PRIYA, form)
    assert "recommendation" in refused.value.errors
    assert any(key.startswith("evidence.") for key in refused.value.errors)  # a 4 needs evidence
    assert _count(world, Scorecard) == 0


def test_only_the_assigned_interviewer_submits_and_a_refusal_is_audited(world, loop):
    _, coding, _ = loop
    with pytest.raises(PermissionDenied):
        submit(world, coding, OMAR)
    assert _count(world, Scorecard) == 0
    assert _count(world, AuditEvent, action="scorecard.refused", actor_id=OMAR) == 1


def test_a_scorecard_stays_with_its_author_when_the_interview_names_someone_else(world, loop):
    _, coding, _ = loop
    submit(world, coding, PRIYA)
    with world.db.transaction() as session:  # as an old reschedule could leave it
        session.get(Interview, coding).interviewer_id = OMAR
    assert world.services.scorecards.context(coding, PRIYA).submitted
    with pytest.raises(PermissionDenied):
        world.services.scorecards.context(coding, OMAR)
    assert submit(world, coding, PRIYA, recommendation="no").changed


def test_feedback_is_blind_until_your_own_scorecard_is_in(world, loop):
    candidate_id, coding, design = loop
    submit(world, coding, PRIYA)
    with pytest.raises(PermissionDenied):
        world.services.scorecards.panel(candidate_id, OMAR)
    submit(world, design, OMAR, stage_key="ml_system_design")
    panel = world.services.scorecards.panel(candidate_id, OMAR)
    assert sorted(e.interviewer_id for e in panel.entries) == sorted([PRIYA, OMAR]) and panel.expected == 2


def test_the_people_running_the_loop_see_the_panel_and_the_team_does_once_the_pre_read_is_out(world, loop):
    candidate_id, coding, _ = loop
    submit(world, coding, PRIYA)
    for runner in (RECRUITER, MANAGER):
        assert [e.interviewer_id for e in world.services.scorecards.panel(candidate_id, runner).entries] == [PRIYA]
    with pytest.raises(PermissionDenied):
        world.services.scorecards.panel(candidate_id, OMAR)
    world.services.debrief.post(candidate_id, RECRUITER)
    assert [e.interviewer_id for e in world.services.scorecards.panel(candidate_id, OMAR).entries] == [PRIYA]


def test_the_channel_receipt_names_the_stage_and_never_the_scores(world, loop):
    _, coding, _ = loop
    result = submit(world, coding, PRIYA, notes="Private aside: strong on testing.")
    world.services.dispatcher.post_receipts()  # the receipt is an outbox row, written with the scorecard
    [receipt] = [m for m in world.slack.called("post_message") if "submitted" in m["text"]]
    assert receipt["channel"] == result.channel_id and "Coding" in receipt["text"]
    assert "aside" not in receipt["text"] and "3" not in receipt["text"]
    # A repeat is not announced twice.
    submit(world, coding, PRIYA, notes="Private aside: strong on testing.")
    world.services.dispatcher.post_receipts()
    assert len([m for m in world.slack.called("post_message") if "submitted" in m["text"]]) == 1


def test_a_cancelled_interview_offers_no_scorecard_to_fill_in(world, loop):
    _, coding, _ = loop
    world.services.loops.cancel_interview(coding, RECRUITER)
    with pytest.raises(NotFound):
        world.services.scorecards.context(coding, PRIYA)
