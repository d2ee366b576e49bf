"""The dashboard's numbers on a fixed clock: ages against the target, next steps, on-time share,
medians, pass-through and the 90-day window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.dashboard import (
    Decided,
    Due,
    Held,
    LoopFacts,
    LoopInterview,
    Pace,
    Step,
    decisions,
    next_step,
    open_loops,
    pace,
    pace_label,
    pass_through,
    per_interviewer,
    timeliness,
)
from db.vocabulary import Decision, LoopStatus

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def interview(stage="coding_round", who="U1", start=NOW - 3 * D, submitted=True, minutes=60) -> LoopInterview:
    return LoopInterview(stage, stage.replace("_", " "), who, start, start + timedelta(minutes=minutes), submitted)


def loop(interviews=(), status=LoopStatus.OPEN, debrief=None, opened=NOW - 10 * D, cid=1) -> LoopFacts:
    return LoopFacts(cid, "Ada", "C1", status, "UREC", "UHM", opened, (4, 6), debrief, tuple(interviews))


@pytest.mark.parametrize(
    ("days", "state", "label"),
    [
        (0, Pace.ON_TRACK, "on track"),
        (27, Pace.ON_TRACK, "on track"),
        (28, Pace.PAST_MIN, "past 4 weeks"),
        (41, Pace.PAST_MIN, "past 4 weeks"),
        (42, Pace.PAST_MAX, "past 6 weeks"),
        (300, Pace.PAST_MAX, "past 6 weeks"),
    ],
)
def test_a_loops_age_is_read_against_the_4_to_6_week_target(days, state, label):
    assert pace(days, (4, 6)) is state
    assert pace_label(state, (4, 6)) == label


def test_ages_come_from_the_clock_in_whole_days_oldest_loop_first():
    rows, _ = open_loops(
        [loop(opened=NOW - 28 * D + H, cid=1), loop(opened=NOW - 42 * D, cid=2), loop(opened=NOW + H, cid=3)], NOW
    )
    assert [(r.candidate_id, r.days_open, r.pace_label) for r in rows] == [
        (2, 42, "past 6 weeks"),
        (1, 27, "on track"),
        (3, 0, "on track"),  # a clock slightly behind the row's stamp is not a negative age
    ]


def test_the_next_step_names_who_it_waits_on():
    assert next_step(loop(status=LoopStatus.OPENING), NOW).step is Step.SET_UP
    assert next_step(loop(), NOW).step is Step.PLAN and next_step(loop(), NOW).waiting_on == ("UREC",)
    late = [
        interview(who="U2", start=NOW - 2 * D, submitted=False),
        interview(who="U1", start=NOW - 4 * D, submitted=False),
    ]
    step = next_step(loop([*late, interview(who="U3", start=NOW + D, submitted=False)]), NOW)
    assert (step.step, step.waiting_on) == (Step.SCORECARDS, ("U1", "U2"))  # the longest waiting first
    step = next_step(loop([interview(), interview(who="U3", start=NOW + D, submitted=False)]), NOW)
    assert (step.step, step.waiting_on, step.at) == (Step.INTERVIEW, ("U3",), NOW + D)
    # An interview under way is not late: its scorecard is not due until it ends.
    running = next_step(loop([interview(who="U4", start=NOW - 10 * timedelta(minutes=1), submitted=False)]), NOW)
    assert running.step is Step.INTERVIEW
    assert next_step(loop([interview()]), NOW).step is Step.SCHEDULE_DEBRIEF
    step = next_step(loop([interview()], debrief=NOW + D), NOW)
    assert (step.step, step.waiting_on) == (Step.DEBRIEF, ("UHM",))
    assert next_step(loop([interview()], debrief=NOW - H), NOW).step is Step.DECIDE


def test_overdue_means_a_day_past_the_end_without_a_scorecard():
    ended = NOW - 25 * H - H  # started 26 h ago, an hour long: ended 25 h ago
    rows, overdue = open_loops(
        [
            loop(
                [
                    interview(who="U1", start=ended, submitted=False),
                    interview(who="U2", start=NOW - 3 * H, submitted=False),
                ]
            )
        ],
        NOW,
    )
    assert [(o.interviewer_id, round(o.hours_late)) for o in overdue] == [("U1", 25)]
    assert rows[0].overdue == 1


def due(ended_ago: timedelta, took: timedelta | None, who: str = "U1") -> Due:
    end = NOW - ended_ago
    return Due(who, end, None if took is None else end + took)


def test_on_time_share_counts_within_24_hours_and_missing_ones_once_they_are_late():
    dues = [
        due(10 * D, 2 * H),
        due(10 * D, 24 * H),  # exactly a day: on time
        due(10 * D, 24 * H + timedelta(minutes=1)),  # a minute more: late
        due(10 * D, None),  # never came: late
        due(5 * H, None),  # still inside its day: not counted yet
    ]
    result = timeliness(dues, NOW)
    assert (result.due, result.on_time, result.submitted) == (4, 2, 3)
    assert result.share == 0.5 and result.meets_goal is False
    assert result.median_hours == 24.0


def test_the_90_day_window_is_by_the_interviews_end():
    inside, outside = due(89 * D, 2 * H), due(91 * D, 50 * H)
    result = timeliness([inside, outside], NOW)
    assert (result.due, result.median_hours) == (1, 2.0)
    edge = due(90 * D, 2 * H)
    assert timeliness([edge], NOW).due == 1


def test_median_time_to_scorecard_per_interviewer_slowest_first():
    dues = [due(3 * D, t * H, "UA") for t in (1, 2, 30)] + [due(3 * D, t * H, "UB") for t in (5, 7)]
    dues.append(due(3 * D, None, "UC"))
    rows = per_interviewer(dues, NOW)
    assert [(r.interviewer_id, r.median_hours, r.on_time, r.due) for r in rows] == [
        ("UB", 6.0, 2, 2),
        ("UA", 2.0, 2, 3),
        ("UC", None, 0, 1),
    ]
    assert timeliness([], NOW).share is None


STAGES = {"p": [("screen", "Screen"), ("tech", "Tech"), ("close", "Close")]}


def held(cid: int, stage: str, ago: timedelta) -> Held:
    return Held(cid, "p", stage, NOW - ago)


def test_pass_through_counts_loops_that_reached_a_stage_and_went_on():
    rows = [
        held(1, "screen", 20 * D),
        held(1, "tech", 10 * D),
        held(1, "close", 5 * D),  # hired
        held(2, "screen", 20 * D),
        held(2, "tech", 10 * D),  # stopped at tech
        held(3, "screen", 20 * D),  # still open after the screen
        held(4, "screen", 100 * D),
        held(4, "tech", 30 * D),  # screen outside the window
    ]
    outcome = {
        1: (LoopStatus.DECIDED, Decision.HIRE),
        2: (LoopStatus.DECIDED, Decision.NO_HIRE),
        3: (LoopStatus.OPEN, None),
        4: (LoopStatus.OPEN, None),
    }
    flows = {f.stage_key: f for f in pass_through(rows, STAGES, outcome, NOW)}
    assert (flows["screen"].reached, flows["screen"].went_on, flows["screen"].still_open) == (3, 2, 1)
    assert flows["screen"].rate == 1.0  # the open loop has not settled either way
    assert (flows["tech"].reached, flows["tech"].went_on, flows["tech"].stopped, flows["tech"].still_open) == (
        3,
        1,
        1,
        1,
    )
    assert flows["tech"].rate == 0.5
    assert (flows["close"].reached, flows["close"].went_on) == (1, 1)  # hired counts as going on


def test_pass_through_ignores_unknown_packs_and_future_interviews():
    rows = [held(1, "screen", -D), Held(2, "gone", "screen", NOW - D)]
    assert pass_through(rows, STAGES, {1: (LoopStatus.OPEN, None), 2: (LoopStatus.OPEN, None)}, NOW) == []


def test_time_to_decision_is_the_median_over_decisions_in_the_window():
    rows = [
        Decided(NOW - 40 * D, NOW - 10 * D, Decision.HIRE),  # 30 days
        Decided(NOW - 30 * D, NOW - 10 * D, Decision.NO_HIRE),  # 20 days
        Decided(NOW - 50 * D, NOW - 5 * D, Decision.HOLD),  # 45 days
        Decided(NOW - 200 * D, NOW - 91 * D, Decision.HIRE),  # outside the window
    ]
    result = decisions(rows, NOW)
    assert (result.decided, result.hired, result.median_days) == (3, 1, 30.0)
    assert decisions([], NOW).median_days is None
