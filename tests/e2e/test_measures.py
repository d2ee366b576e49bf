"""Measuring the panel end to end: the loop card's must-have coverage as interviews are planned, and
who sees whose leniency in the App Home."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from db.models import Candidate, Interview, InterviewStatus, LoopStatus, Rating, Scorecard
from tests.support.loops import add_interview, open_loop

PAST = datetime(2029, 6, 1, 10, 0, tzinfo=UTC)


def card_blocks(bot, candidate) -> str:
    updates = [u for u in bot.client.all("chat.update") if u["ts"] == candidate.card_ts]
    return json.dumps(updates[-1]["blocks"], ensure_ascii=False)


def test_the_card_warns_when_a_must_have_has_too_few_raters(hirebot):
    candidate = open_loop(hirebot)  # the balanced profile: four must-haves
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00")
    card = card_blocks(hirebot, candidate)
    assert "Must-have coverage" in card and "planned" in card
    assert "Software engineering: 1 rater → *0.44* (r=0.44, pack default) ⚠️ fewer than 2 raters" in card
    assert "Modelling fundamentals: 0 raters → *0.00*" in card
    assert "⚠️ 4 must-have competencies short of a trustworthy mean" in card

    # Two more people on data pipelines: three raters at .44 project .70, the pack's threshold.
    add_interview(hirebot, candidate, "ml_system_design", "lars", "2030-03-05", "10:00")
    add_interview(hirebot, candidate, "ml_system_design", "omar", "2030-03-06", "10:00")
    card = card_blocks(hirebot, candidate)
    line = next(part for part in card.split("\\n") if part.startswith("• Data pipelines"))
    assert line == "• Data pipelines and data quality: 3 raters → *0.70* (r=0.44, pack default)"
    assert "⚠️ 3 must-have competencies short" in card

    # The same person on a second stage is not a second independent opinion.
    add_interview(hirebot, candidate, "model_deep_dive", "mei", "2030-03-07", "10:00")
    card = card_blocks(hirebot, candidate)
    assert "Software engineering: 1 rater" in card


def past_loops(bot, offsets: dict[str, list[float]]) -> None:
    """Past loops in which each interviewer rated `offset` away from Mei, who always gave 2."""
    users = bot.users
    with bot.services.db.transaction() as session:
        for who, deltas in offsets.items():
            for n, delta in enumerate(deltas):
                candidate = Candidate(
                    name=f"Past {who} {n}",
                    pack="ml-engineer",
                    pack_version=1,
                    profile="balanced",
                    recruiter_id=users["rita"],
                    hiring_manager_id=users["hank"],
                    created_by=users["rita"],
                    status=LoopStatus.DECIDED,
                )
                for person, rating in ((users["mei"], 2), (users[who], 2 + delta)):
                    interview = Interview(
                        candidate=candidate,
                        stage_key="coding_round",
                        interviewer_id=person,
                        starts_at=PAST + timedelta(days=n),
                        duration_minutes=60,
                        timezone="UTC",
                        status=InterviewStatus.SCHEDULED,
                    )
                    interview.scorecard = Scorecard(
                        interviewer_id=person,
                        pack="ml-engineer",
                        pack_version=1,
                        recommendation="yes",
                        ratings=[Rating(competency_key="software_engineering", competency_name="SE", rating=rating)],
                    )
                    session.add(interview)


def home_of(bot, handle: str) -> str:
    user = bot.users[handle]
    bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME", "event_ts": "1"})
    assert bot.run_background() == 1  # published after the event is answered
    published = bot.client.last("views.publish")[0]
    assert published["user_id"] == user and published["view"]["type"] == "home"
    return json.dumps(published["view"], ensure_ascii=False)


def test_the_home_shows_own_leniency_to_an_interviewer_everyones_to_a_recruiter_and_none_to_others(hirebot):
    past_loops(hirebot, {"priya": [2, 1, 2, 1, 2, 1], "omar": [1, -1, 0, 1, -1, 0]})
    users = hirebot.users

    priya = home_of(hirebot, "priya")
    assert "Your calibration" in priya and "You rate *1.50 points above* your panel mates" in priya
    assert users["omar"] not in priya and users["mei"] not in priya  # nobody else's

    omar = home_of(hirebot, "omar")
    assert "Your ratings are in line with your panel mates' (from 6 candidates)" in omar
    assert users["priya"] not in omar and "1.50" not in omar

    mei = home_of(hirebot, "mei")  # mei sat on all 12 loops; the others rated above her, on the whole
    assert "Your calibration" in mei and users["priya"] not in mei and users["omar"] not in mei

    rita = home_of(hirebot, "rita")  # the recruiter
    assert "Interviewer calibration" in rita
    assert f"<@{users['priya']}> rates 1.50 points above their panel mates" in rita
    assert f"<@{users['omar']}>" in rita  # in line with their panel mates: named, without a number

    for outsider in ("nora", "hank"):  # no ratings of their own, and not a recruiter
        home = home_of(hirebot, outsider)
        assert "calibration" not in home.lower()
        assert all(users[who] not in home for who in ("priya", "omar", "mei"))
