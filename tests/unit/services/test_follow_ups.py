"""The wiring's event table: what follows each change, and that it follows only after it."""

from __future__ import annotations

from bot.bootstrap import subscriptions
from bot.events import DecisionDue, InterviewPlanned, LoopDecided, ReminderFailed, ScorecardSubmitted
from tests.support.domain import at, new_loop, plan, submit
from tests.support.fakes import OMAR, PRIYA, RECRUITER


def test_the_table_says_what_follows_a_scorecard(world):
    table = subscriptions(world.services)
    names = [handler.__name__ for handler in table[ScorecardSubmitted]]
    assert names == ["post_receipt", "refresh_card", "refresh_preread", "refresh_homes", "refresh_dashboards"]
    assert [h.__name__ for h in table[InterviewPlanned]] == [
        "invite",
        "refresh_card",
        "refresh_homes",
        "send_invites",
        "refresh_dashboards",
    ]
    assert [h.__name__ for h in table[ReminderFailed]] == ["show_failure"]
    # The decision's announcement is its outbox row, sent at once; the sweep's delivery posts it.
    assert [h.__name__ for h in table[LoopDecided]][0] == "post_announcement"
    assert [h.__name__ for h in table[DecisionDue]] == ["announce"]


def test_a_submission_refreshes_nothing_until_its_follow_ups_run(world):
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(), RECRUITER)
    world.services.background.drain()
    cards, homes = len(world.render.of("loop_card")), len(world.render.of("home"))
    submit(world, interview_id, PRIYA)
    assert (len(world.render.of("loop_card")), len(world.render.of("home"))) == (cards, homes)
    # Three subscribers' jobs (the receipt, the card, the pre-read), the recruiters' Homes and
    # Priya's own, which the two Homes' subscribers asked their Coalescers for as the
    # submission was published (bot/services/homes.py).
    assert world.services.background.drain() == 5
    assert len(world.render.of("loop_card")) == cards + 1
    assert [h.user_id for h in world.render.of("home")[homes:]] == [PRIYA, RECRUITER]
    # An unchanged resubmission records nothing, so nothing follows it.
    submit(world, interview_id, PRIYA)
    assert world.services.background.drain() == 0


def test_a_burst_of_changes_publishes_each_recruiters_home_once(world):
    candidate_id = new_loop(world)
    people = (PRIYA, OMAR, "U0LARS0001")
    interviews = [
        world.services.loops.add_interview(candidate_id, plan(who=who, when=f"2030-03-0{day} 10:00"), RECRUITER)
        for day, who in zip((5, 6, 7), people, strict=True)
    ]
    world.services.background.drain()
    world.clock.set(at("2030-03-08 09:00"))
    before = len(world.slack.called("publish_home"))
    for interview_id, who in zip(interviews, people, strict=True):  # three submissions, three events
        submit(world, interview_id, who)
    world.services.background.drain()
    published = [call["user"] for call in world.slack.called("publish_home")[before:]]
    assert published.count(RECRUITER) == 1  # one dashboard read and publish for the burst
    assert sorted(p for p in published if p != RECRUITER) == sorted(people)  # each interviewer's own Home
    recruiter_home = [h for h in world.render.of("home") if h.user_id == RECRUITER][-1]
    assert recruiter_home.dashboard is not None and recruiter_home.dashboard.timeliness.submitted == 3
