"""Where the dashboard's numbers come from: a fixed number of set-based statements, however many loops.

`DashboardService` is shared by the App Home and `hirebot report`, so both show the same numbers:
open loops (one statement, with their interviews and debriefs), scorecards due in the window (one),
stages held by the loops active in the window (one), decisions in the window (one), and the panel's
ratings for agreement and leniency (one, agreement_data.ratings_in).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services import dashboard as numbers
from bot.services.agreement import Agreement, measure_each
from bot.services.agreement_data import RATING_SCALE, ratings_in
from bot.services.dashboard import Dashboard, Decided, Due, Held, LoopFacts, LoopInterview, OwnNumbers
from bot.services.leniency import Leniency, estimate, from_panel
from bot.services.reminders import interview_end
from db.models import Candidate, Debrief, Interview, InterviewStatus, LoopStatus, Scorecard
from db.session import Database
from db.vocabulary import Decision
from rubrics.loader import RubricRegistry

# The longest interview (db.models.Interview's CHECK): an interview ending in the window started at most this before it.
LONGEST_INTERVIEW = timedelta(minutes=480)
OPEN = (LoopStatus.OPEN, LoopStatus.OPENING)


# Agreement and leniency move slowly (one more candidate among thousands) and cost a pass over every
# rating (seconds at 10,000 loops: benchmarks/report.py), while recruiters' Homes follow every change.
RATINGS_TTL = timedelta(minutes=10)


class DashboardService:
    def __init__(self, db: Database, rubrics: RubricRegistry, clock: Clock, ratings_ttl: timedelta = RATINGS_TTL):
        self.db, self.rubrics, self.clock, self.ratings_ttl = db, rubrics, clock, ratings_ttl
        self._measured: tuple[datetime, list[Agreement], list[Leniency]] | None = None

    def dashboard(self, *, agreement: bool = True, leniency: bool = True) -> Dashboard:
        """Everything a recruiter's Home shows (and `hirebot report` prints), read in one transaction.

        Loops, timeliness, pass-through and decisions are read fresh each time. Agreement and everyone's
        leniency (the Home shows both) are measured again once `ratings_ttl` has passed; a report that
        needs only one of them (or neither) measures just that, and keeps nothing."""
        now = self.clock()
        with self.db.transaction() as session:
            loops = open_loop_facts(session, self.rubrics)
            dues = dues_in_window(session, now)
            held, outcome = held_stages(session, now)
            decided = decided_in_window(session, now)
            alphas, lenient = self._ratings(session, now, agreement, leniency)
        shown, overdue = numbers.open_loops(loops, now)
        orders = {pack.pack: [(s.key, s.name) for s in pack.stages] for pack in self.rubrics.all()}
        return Dashboard(
            now=now,
            window_days=numbers.WINDOW.days,
            open_loops=shown,
            overdue=overdue,
            timeliness=numbers.timeliness(dues, now),
            interviewers=numbers.per_interviewer(dues, now),
            stages=numbers.pass_through(held, orders, outcome, now),
            decisions=numbers.decisions(decided, now),
            agreement=alphas,
            leniency=lenient,
        )

    def _ratings(
        self, session: Session, now: datetime, agreement: bool, leniency: bool
    ) -> tuple[list[Agreement], list[Leniency]]:
        both = agreement and leniency
        cached = self._measured
        if both and cached is not None and timedelta(0) <= now - cached[0] < self.ratings_ttl:
            return cached[1], cached[2]
        if not (agreement or leniency):
            return [], []
        ratings = ratings_in(session)
        alphas = named(measure_each(ratings, "ordinal", domain=RATING_SCALE), self.rubrics) if agreement else []
        lenient = estimate(from_panel(ratings)) if leniency else []
        if both:
            self._measured = (now, alphas, lenient)
        return alphas, lenient

    def own(self, user_id: str) -> OwnNumbers:
        """An interviewer's own timeliness: one statement, about their scorecards only."""
        now = self.clock()
        with self.db.transaction() as session:
            dues = dues_in_window(session, now, interviewer_id=user_id)
        return OwnNumbers(numbers.WINDOW.days, numbers.timeliness(dues, now, user_id))


def named(results: list[Agreement], rubrics: RubricRegistry) -> list[Agreement]:
    """Competencies by their names in the pack (`pack/key` where the pack or key is gone), in the pack's
    order; the pack is named too when more than one is installed."""
    several = len(rubrics.all()) > 1
    order: dict[str, tuple[int, str]] = {}
    for p, pack in enumerate(rubrics.all()):
        for c, competency in enumerate(pack.competencies):
            label = f"{competency.name} ({pack.pack})" if several else competency.name
            order[f"{pack.pack}/{competency.key}"] = (p * 1000 + c, label)
    rows = [replace(r, name=order.get(r.name, (10**6, r.name))[1]) for r in results]
    ranks = [order.get(r.name, (10**6, r.name))[0] for r in results]
    return [row for _, row in sorted(zip(ranks, rows, strict=True), key=lambda pair: pair[0])]


def open_loop_facts(session: Session, rubrics: RubricRegistry) -> list[LoopFacts]:
    """Every open (or opening) loop with its scheduled interviews and debrief, in one statement."""
    query = (
        select(
            Candidate.id,
            Candidate.name,
            Candidate.pack,
            Candidate.channel_id,
            Candidate.status,
            Candidate.recruiter_id,
            Candidate.hiring_manager_id,
            Candidate.created_at,
            Debrief.scheduled_at.label("debrief_at"),
            Interview.id.label("interview_id"),
            Interview.stage_key,
            Interview.interviewer_id,
            Interview.starts_at,
            Interview.duration_minutes,
            Scorecard.id.label("scorecard_id"),
        )
        .select_from(Candidate)
        .outerjoin(Debrief, Debrief.candidate_id == Candidate.id)
        .outerjoin(
            Interview, and_(Interview.candidate_id == Candidate.id, Interview.status == InterviewStatus.SCHEDULED)
        )
        .outerjoin(Scorecard, Scorecard.interview_id == Interview.id)
        .where(Candidate.status.in_(OPEN))
        .order_by(Candidate.id, Interview.starts_at, Interview.id)
    )
    stage_names = {(p.pack, s.key): s.name for p in rubrics.all() for s in p.stages}
    loops: dict[int, tuple[Any, list[LoopInterview]]] = {}
    for row in session.execute(query):
        loop = loops.setdefault(row.id, (row, []))
        if row.interview_id is not None:
            name = stage_names.get((row.pack, row.stage_key), row.stage_key)
            end = interview_end(row)
            loop[1].append(
                LoopInterview(row.stage_key, name, row.interviewer_id, row.starts_at, end, row.scorecard_id is not None)
            )
    targets = {p.pack: (p.loop_target.min_weeks, p.loop_target.max_weeks) for p in rubrics.all()}
    return [_facts(targets, row, interviews) for row, interviews in loops.values()]


def _facts(targets: dict[str, tuple[int, int]], row: Any, interviews: list[LoopInterview]) -> LoopFacts:
    # A pack uninstalled since the loop opened: its loops still count, against the usual 4-6 weeks.
    target = targets.get(row.pack, (4, 6))
    return LoopFacts(
        candidate_id=row.id,
        name=row.name,
        channel_id=row.channel_id,
        status=row.status,
        recruiter_id=row.recruiter_id,
        hiring_manager_id=row.hiring_manager_id,
        created_at=row.created_at,
        target_weeks=target,
        debrief_at=row.debrief_at,
        interviews=tuple(interviews),
    )


def dues_in_window(session: Session, now: datetime, interviewer_id: str | None = None) -> list[Due]:
    """Scheduled interviews that ended in the window, with when their scorecard came (if it did)."""
    start = now - numbers.WINDOW - LONGEST_INTERVIEW
    query = (
        select(Interview.interviewer_id, Interview.starts_at, Interview.duration_minutes, Scorecard.submitted_at)
        .join(Candidate, Candidate.id == Interview.candidate_id)
        .outerjoin(Scorecard, Scorecard.interview_id == Interview.id)
        .where(
            Interview.status == InterviewStatus.SCHEDULED,
            Candidate.status != LoopStatus.PURGED,
            Interview.starts_at >= start,
            Interview.starts_at <= now,
        )
    )
    if interviewer_id is not None:
        query = query.where(Interview.interviewer_id == interviewer_id)
    return [Due(row.interviewer_id, interview_end(row), row.submitted_at) for row in session.execute(query)]


Outcome = dict[int, tuple[LoopStatus, Decision | None]]


def held_stages(session: Session, now: datetime) -> tuple[list[Held], Outcome]:
    """Every interview held so far by the loops that held one in the window (whether they went on
    needs their later stages too, whenever those were), and each such loop's status and decision."""
    active = select(Interview.candidate_id).where(
        Interview.status == InterviewStatus.SCHEDULED,
        Interview.starts_at >= now - numbers.WINDOW,
        Interview.starts_at <= now,
    )
    query = (
        select(
            Interview.candidate_id,
            Candidate.pack,
            Interview.stage_key,
            Interview.starts_at,
            Candidate.status,
            Candidate.decision,
        )
        .join(Candidate, Candidate.id == Interview.candidate_id)
        .where(
            Interview.status == InterviewStatus.SCHEDULED,
            Interview.starts_at <= now,
            Candidate.status != LoopStatus.PURGED,
            Interview.candidate_id.in_(active),
        )
    )
    held, outcome = [], {}
    for candidate_id, pack, stage_key, starts_at, status, decision in session.execute(query):
        held.append(Held(candidate_id, pack, stage_key, starts_at))
        outcome[candidate_id] = (status, decision)
    return held, outcome


def decided_in_window(session: Session, now: datetime) -> list[Decided]:
    query = select(Candidate.created_at, Candidate.decided_at, Candidate.decision).where(
        Candidate.status == LoopStatus.DECIDED,
        Candidate.decided_at >= now - numbers.WINDOW,
        Candidate.decided_at <= now,
        Candidate.decision.is_not(None),
    )
    return [Decided(r.created_at, r.decided_at, r.decision) for r in session.execute(query)]


def by_interviewer_overdue(overdue: list[numbers.OverdueScorecard]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in overdue:
        counts[row.interviewer_id] += 1
    return dict(counts)
