"""The scheduler mends loop cards and posted pre-reads whose own refresh was lost: a web worker
stopped with the refresh queued (a deploy), or Slack failing the edit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.errors import SlackTargetGone, SlackTransientError
from bot.services.mending import MendStats
from db.models import Candidate, CardChange
from tests.support.domain import new_loop, plan, submit
from tests.support.fakes import OMAR, PRIYA, RECRUITER, FakeWorld


def lost(world: FakeWorld) -> None:
    """The web worker stopped after the ack: the follow-ups it had queued never run."""
    world.services.background.queue.clear()


def card_edits(world: FakeWorld, candidate_id: int) -> int:
    with world.db.transaction() as session:
        channel = session.get(Candidate, candidate_id).channel_id
    return sum(1 for call in world.slack.called("update_message") if call["channel"] == channel)


def changes(world: FakeWorld) -> int:
    with world.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(CardChange))


def mend(world: FakeWorld) -> MendStats:
    return world.services.mender.mend()


@pytest.fixture
def loop(world: FakeWorld) -> tuple[int, int]:
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(), RECRUITER)
    world.services.background.drain()
    return candidate_id, interview_id


def test_a_card_whose_refresh_was_lost_is_mended_at_the_second_look(world: FakeWorld, loop) -> None:
    candidate_id, interview_id = loop
    submit(world, interview_id, PRIYA)
    lost(world)
    edits = card_edits(world, candidate_id)
    first = mend(world)  # behind, but its refresh may only be queued: noted, not touched
    assert (first.behind, first.mended) == (1, 0) and card_edits(world, candidate_id) == edits
    second = mend(world)  # a minute on, still behind at the same change: its refresh was lost
    assert (second.behind, second.mended) == (1, 1) and card_edits(world, candidate_id) == edits + 1
    assert [line.submitted for line in world.render.of("loop_card")[-1].interviews] == [True]
    assert mend(world).behind == 0


def test_a_card_its_own_follow_up_refreshed_is_never_touched_and_its_changes_are_pruned(world: FakeWorld, loop) -> None:
    candidate_id, interview_id = loop
    for rating in (3, 2, 4):
        submit(world, interview_id, PRIYA, rating=rating)
        world.services.background.drain()
    edits = card_edits(world, candidate_id)
    assert (mend(world).behind, mend(world).mended) == (0, 0) and card_edits(world, candidate_id) == edits
    assert changes(world) == 0  # every change drawn is deleted


def test_a_change_that_commits_after_a_later_ones_refresh_read_is_still_mended(world: FakeWorld, loop) -> None:
    # Two changes to one loop whose commits cross: the later one (the higher id) committed and
    # its refresh read the loop before the earlier one committed, and the earlier one's own
    # refresh was then lost. Its row, with the lower id, arrives after a refresh drew a higher one.
    candidate_id, interview_id = loop
    submit(world, interview_id, PRIYA)  # the later change: marked, then refreshed
    with world.db.transaction() as session:
        later = session.scalar(select(func.max(CardChange.id)))
    world.services.background.drain()
    with world.db.transaction() as session:
        session.add(CardChange(id=later - 1, candidate_id=candidate_id))  # the earlier one commits
    lost(world)
    edits = card_edits(world, candidate_id)
    mend(world)
    assert mend(world).mended == 1 and card_edits(world, candidate_id) == edits + 1
    assert changes(world) == 0


def test_a_loop_that_changes_again_between_looks_waits_for_the_next(world: FakeWorld, loop) -> None:
    candidate_id, interview_id = loop
    submit(world, interview_id, PRIYA)
    lost(world)
    mend(world)
    world.services.loops.add_interview(candidate_id, plan("ml_system_design", OMAR, "2030-03-07 10:00"), RECRUITER)
    lost(world)
    assert mend(world).mended == 0  # a newer change: its own refresh may still be on its way
    assert mend(world).mended == 1


def test_an_edit_slack_fails_is_tried_again_and_one_refused_for_good_waits_for_the_next_change(
    world: FakeWorld, loop
) -> None:
    candidate_id, interview_id = loop
    submit(world, interview_id, PRIYA)
    lost(world)
    mend(world)
    world.slack.fail("update_message", SlackTransientError("chat.update", "internal_error"), times=1)
    assert mend(world).failed == 1
    assert mend(world).mended == 1  # the next minute

    design = world.services.loops.add_interview(
        candidate_id, plan("ml_system_design", OMAR, "2030-03-07 10:00"), RECRUITER
    )
    lost(world)
    mend(world)
    world.slack.fail("update_message", SlackTargetGone("chat.update", "is_archived"), times=1)
    assert mend(world).given_up == 1
    edits = card_edits(world, candidate_id)
    assert mend(world).given_up == 0 and card_edits(world, candidate_id) == edits  # not hammered
    submit(world, design, OMAR, stage_key="ml_system_design")  # a new change is tried afresh
    lost(world)
    mend(world)
    assert mend(world).mended == 1


def test_a_pre_read_that_missed_a_late_scorecard_is_mended(world: FakeWorld, loop) -> None:
    candidate_id, interview_id = loop
    world.services.debrief.post(candidate_id, RECRUITER)
    world.services.background.drain()
    posted = len(world.render.of("debrief"))
    submit(world, interview_id, PRIYA)  # late: the pre-read is already out
    lost(world)
    mend(world)
    assert len(world.render.of("debrief")) == posted
    stats = mend(world)
    assert (stats.behind, stats.mended) == (2, 2)  # the card and the pre-read
    assert len(world.render.of("debrief")) == posted + 1
    assert mend(world).behind == 0


def test_a_pass_mends_at_most_its_batch_and_the_rest_at_the_next(world: FakeWorld) -> None:
    interviews = []
    for n in range(3):
        candidate_id = new_loop(world, name=f"Candidate {n}", view_id=f"V0BATCH{n:03d}")
        interviews.append(world.services.loops.add_interview(candidate_id, plan(), RECRUITER))
    world.services.background.drain()
    for interview_id in interviews:
        submit(world, interview_id, PRIYA)
    lost(world)
    world.services.mender.batch = 2
    mend(world)
    assert mend(world).mended == 2
    assert mend(world).mended == 1
    assert mend(world).behind == 0


def test_only_events_that_change_the_card_mark_it(world: FakeWorld, loop) -> None:
    _, interview_id = loop
    before = changes(world)
    world.services.training.add_trainee(interview_id, RECRUITER, "U0TRAINEE1", "shadow")  # not on the card
    world.services.background.drain()
    assert changes(world) == before
    submit(world, interview_id, PRIYA)
    assert changes(world) == before + 1
    submit(world, interview_id, PRIYA, rating=2)  # an edit: the card shows only that it is in
    assert changes(world) == before + 1


def test_a_purged_loop_leaves_nothing_to_mend(world: FakeWorld, loop) -> None:
    candidate_id, interview_id = loop
    submit(world, interview_id, PRIYA)
    world.services.debrief.decide(candidate_id, RECRUITER, "hire", "Strong.", override="Test.")
    lost(world)
    world.services.debrief.purge(candidate_id)
    assert changes(world) == 0
    assert (mend(world).behind, mend(world).behind) == (0, 0)


def test_an_edited_scorecard_neither_refreshes_the_card_nor_leaves_it_to_mend(world: FakeWorld, loop) -> None:
    candidate_id, interview_id = loop
    edits = card_edits(world, candidate_id)
    submit(world, interview_id, PRIYA)
    world.services.background.drain()
    assert card_edits(world, candidate_id) == edits + 1  # in: the card says so
    submit(world, interview_id, PRIYA, rating=2)
    world.services.background.drain()
    assert card_edits(world, candidate_id) == edits + 1  # what it says is not on the card
    assert (mend(world).behind, mend(world).behind) == (0, 0)
