"""The wiring's event table: what follows each change, and that it follows only after it."""

from __future__ import annotations

from bot.bootstrap import subscriptions
from bot.events import InterviewPlanned, ReminderFailed, ScorecardSubmitted
from tests.support.domain import new_loop, plan, submit
from tests.support.fakes import PRIYA, RECRUITER


def test_the_table_says_what_follows_a_scorecard(world):
    table = subscriptions(world.services)
    names = [handler.__name__ for handler in table[ScorecardSubmitted]]
    assert names == ["post_receipt", "refresh_card", "refresh_preread", "refresh_homes"]
    assert [h.__name__ for h in table[InterviewPlanned]] == ["invite", "refresh_card", "refresh_homes", "send_invites"]
    assert [h.__name__ for h in table[ReminderFailed]] == ["show_failure"]


def test_a_submission_refreshes_nothing_until_its_follow_ups_run(world):
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(), RECRUITER)
    world.services.background.drain()
    cards, homes = len(world.render.of("loop_card")), len(world.render.of("home"))
    submit(world, interview_id, PRIYA)
    assert (len(world.render.of("loop_card")), len(world.render.of("home"))) == (cards, homes)
    assert world.services.background.drain() == 4
    assert len(world.render.of("loop_card")) == cards + 1
    assert len(world.render.of("home")) == homes + 1
    # An unchanged resubmission records nothing, so nothing follows it.
    submit(world, interview_id, PRIYA)
    assert world.services.background.drain() == 0
