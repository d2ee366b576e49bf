"""The dashboard read from the database (SQLite, and PostgreSQL when configured): the numbers, and a
statement count that does not grow with the number of loops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.dashboard import Pace, Step
from bot.services.dashboard_data import DashboardService
from db.vocabulary import Decision, LoopStatus
from tests.support.dashboard import Past, Seat, StatementCounter, seed
from tests.support.fakes import MutableClock, shipped_rubrics

NOW = datetime(2030, 6, 3, 12, 0, tzinfo=UTC)
D, H = timedelta(days=1), timedelta(hours=1)


def scenario(n_extra: int = 0) -> list[Past]:
    loops = [
        # Open 30 days: past 4 weeks; a coding round two days ago whose scorecard never came.
        Past(
            "Ada",
            NOW - 30 * D,
            [
                Seat("recruiter_screen", "USAM", NOW - 20 * D, NOW - 20 * D + 3 * H, {"collaboration": 3}),
                Seat("coding_round", "UPRI", NOW - 2 * D),
            ],
        ),
        # Open 50 days: past 6 weeks; everything in, debrief held, waiting on the decision.
        Past(
            "Bea",
            NOW - 50 * D,
            [Seat("recruiter_screen", "USAM", NOW - 40 * D, NOW - 38 * D)],
            debrief_at=NOW - D,
        ),
        # Decided 10 days ago after 20 days: hired, having gone through two stages.
        Past(
            "Cy",
            NOW - 30 * D,
            [
                Seat("recruiter_screen", "USAM", NOW - 25 * D, NOW - 25 * D + 5 * H),
                Seat("coding_round", "UPRI", NOW - 15 * D, NOW - 15 * D + 30 * H),
            ],
            status=LoopStatus.DECIDED,
            decision=Decision.HIRE,
            decided_at=NOW - 10 * D,
        ),
        # Decided long ago: outside every 90-day number.
        Past(
            "Old",
            NOW - 300 * D,
            [Seat("recruiter_screen", "USAM", NOW - 290 * D, NOW - 200 * D)],
            status=LoopStatus.DECIDED,
            decision=Decision.NO_HIRE,
            decided_at=NOW - 200 * D,
        ),
    ]
    loops += [Past(f"Extra {n}", NOW - D, [Seat("recruiter_screen", "UEXT", NOW + D)]) for n in range(n_extra)]
    return loops


def service(database) -> DashboardService:
    return DashboardService(database, shipped_rubrics(), MutableClock(NOW))


def test_the_dashboard_reads_ages_next_steps_timeliness_and_pass_through(database):
    with database.transaction() as session:
        seed(session, scenario())
    board = service(database).dashboard()
    loops = {row.name: row for row in board.open_loops}
    assert set(loops) == {"Ada", "Bea"}  # decided loops are not open
    assert (loops["Ada"].days_open, loops["Ada"].pace, loops["Ada"].next_step.step) == (
        30,
        Pace.PAST_MIN,
        Step.SCORECARDS,
    )
    assert loops["Ada"].next_step.waiting_on == ("UPRI",) and loops["Ada"].overdue == 1
    assert (loops["Bea"].pace, loops["Bea"].next_step.step, loops["Bea"].next_step.waiting_on) == (
        Pace.PAST_MAX,
        Step.DECIDE,
        ("U0HANK0001",),
    )
    assert [(o.candidate_name, o.interviewer_id, o.stage_name) for o in board.overdue] == [
        ("Ada", "UPRI", "Coding round")
    ]
    # In the window, from each hour-long interview's end: Ada's screen (2 h), Bea's screen (47 h), Cy's
    # screen (4 h) and coding round (29 h), and Ada's missing coding-round scorecard. On time: 2 of 5.
    assert (board.timeliness.due, board.timeliness.on_time, board.timeliness.submitted) == (5, 2, 4)
    people = {row.interviewer_id: row for row in board.interviewers}
    assert people["USAM"].median_hours == 4.0 and people["USAM"].on_time == 2
    assert people["UPRI"].median_hours == 29.0 and people["UPRI"].due == 2
    stages = {row.stage_key: row for row in board.stages}
    # Ada and Cy went on to the coding round; Bea is still open after her screen.
    assert (stages["recruiter_screen"].reached, stages["recruiter_screen"].went_on) == (3, 2)
    assert stages["recruiter_screen"].still_open == 1
    assert (stages["coding_round"].reached, stages["coding_round"].went_on) == (2, 1)
    assert (board.decisions.decided, board.decisions.hired, board.decisions.median_days) == (1, 1, 20.0)


def test_an_interviewer_reads_only_their_own_timeliness(database):
    with database.transaction() as session:
        seed(session, scenario())
    own = service(database).own("UPRI")
    assert (own.timeliness.interviewer_id, own.timeliness.due, own.timeliness.on_time) == ("UPRI", 2, 0)
    assert service(database).own("UNOBODY").timeliness.due == 0


def test_the_statement_count_does_not_grow_with_the_loops(database):
    counts = []
    for extra in (0, 40):
        with database.transaction() as session:
            seed(session, scenario(extra))
        with StatementCounter(database.engine) as counter:
            board = service(database).dashboard()
        counts.append((len(board.open_loops), counter.count))
    (few, small), (many, large) = counts
    assert many > few + 40 - 1
    assert small == large <= 8


def test_agreement_and_leniency_are_measured_again_only_after_their_ttl(database):
    with database.transaction() as session:
        seed(session, scenario())
    clock = MutableClock(NOW)
    dashboards = DashboardService(database, shipped_rubrics(), clock, ratings_ttl=timedelta(minutes=10))
    counts = []
    for minutes in (0, 9, 10):
        clock.set(NOW + timedelta(minutes=minutes))
        with StatementCounter(database.engine) as counter:
            board = dashboards.dashboard()
        counts.append(counter.count)
        assert [a.name for a in board.agreement] == ["Collaboration"]
    assert counts == [5, 4, 5]  # the ratings are read again once ten minutes have passed
    with StatementCounter(database.engine) as counter:
        dashboards.dashboard(agreement=False, leniency=False)
    assert counter.count == 4
