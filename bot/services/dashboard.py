"""The recruiter dashboard's numbers: loop ages against the target, each open loop's next step and who
it waits on, overdue scorecards, scorecard timeliness, stage pass-through and time to decision.

Pure functions over plain rows (dashboard_data.py reads them in a fixed number of statements), so the
App Home and `hirebot report` show the same numbers, and tests can check them on a controlled clock.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import NamedTuple

from bot.services.agreement import Agreement
from bot.services.leniency import Leniency
from db.vocabulary import Decision, LoopStatus

# Greenhouse's guidance: scorecards in within 24 hours of the interview, for at least 90% of them.
ON_TIME = timedelta(hours=24)
ON_TIME_GOAL = 0.90
# A scorecard is overdue a day after the interview ends (as on the loop card).
OVERDUE_AFTER = ON_TIME
# Timeliness, pass-through and time to decision look back this far.
WINDOW = timedelta(days=90)


class Pace(enum.StrEnum):
    ON_TRACK = "on track"
    PAST_MIN = "past min"  # past the target's lower bound (4 weeks in the ML pack)
    PAST_MAX = "past max"  # past its upper bound (6 weeks)


class Chart(enum.StrEnum):
    """The dashboard's pictures (bot/services/dashboard_pictures.py)."""

    LOOP_AGES = "loop ages"
    AGREEMENT = "agreement"


class Step(enum.StrEnum):
    SET_UP = "finish set-up"
    SCORECARDS = "scorecards"
    INTERVIEW = "interview"
    PLAN = "plan interviews"
    SCHEDULE_DEBRIEF = "schedule the debrief"
    DEBRIEF = "debrief"
    DECIDE = "record the decision"


class LoopInterview(NamedTuple):
    """One scheduled interview of an open loop: when, by whom, and whether its scorecard is in."""

    stage_key: str
    stage_name: str
    interviewer_id: str
    starts_at: datetime
    ends_at: datetime
    submitted: bool


@dataclass(frozen=True)
class LoopFacts:
    """What the dashboard reads of one open (or opening) loop."""

    candidate_id: int
    name: str
    channel_id: str | None
    status: LoopStatus
    recruiter_id: str
    hiring_manager_id: str
    created_at: datetime
    target_weeks: tuple[int, int]
    debrief_at: datetime | None
    interviews: Sequence[LoopInterview] = ()


@dataclass(frozen=True)
class NextStep:
    step: Step
    waiting_on: tuple[str, ...]  # Slack user ids: who has to act (or, for an interview, who holds it)
    at: datetime | None = None  # the interview's or the debrief's time
    stage_name: str | None = None


@dataclass(frozen=True)
class OpenLoop:
    candidate_id: int
    name: str
    channel_id: str | None
    recruiter_id: str
    days_open: int
    target_weeks: tuple[int, int]
    pace: Pace
    next_step: NextStep
    overdue: int  # scorecards of this loop a day or more late

    @property
    def pace_label(self) -> str:
        return pace_label(self.pace, self.target_weeks)


@dataclass(frozen=True)
class OverdueScorecard:
    candidate_id: int
    candidate_name: str
    channel_id: str | None
    stage_name: str
    interviewer_id: str
    ends_at: datetime
    hours_late: float  # since the interview ended


class Due(NamedTuple):
    """A scorecard that was due in the window: its interview's end, and when it came (None: not yet)."""

    interviewer_id: str
    ends_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True)
class Timeliness:
    """Scorecards due in the window (in, or a day past the end without one), for one interviewer or all."""

    interviewer_id: str | None
    due: int
    on_time: int  # in within 24 hours of the interview's end
    submitted: int
    median_hours: float | None  # from the interview's end to the scorecard, over those submitted

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def meets_goal(self) -> bool | None:
        share = self.share
        return None if share is None else share >= ON_TIME_GOAL


class Held(NamedTuple):
    """An interview that has taken place: a loop reached its stage."""

    candidate_id: int
    pack: str
    stage_key: str
    starts_at: datetime


@dataclass(frozen=True)
class StageFlow:
    pack: str
    stage_key: str
    stage_name: str
    reached: int  # loops with an interview at this stage held in the window
    went_on: int  # of those, loops that reached a later stage or were hired
    still_open: int  # of those, loops still open that have not gone on yet

    @property
    def stopped(self) -> int:
        return self.reached - self.went_on - self.still_open

    @property
    def rate(self) -> float | None:
        """Went on, of the loops that have settled (gone on or stopped): open ones are not counted yet."""
        settled = self.went_on + self.stopped
        return self.went_on / settled if settled else None


class Decided(NamedTuple):
    created_at: datetime
    decided_at: datetime
    decision: Decision


@dataclass(frozen=True)
class Decisions:
    decided: int
    hired: int
    median_days: float | None  # from opening the loop to its decision


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    window_days: int
    open_loops: list[OpenLoop]
    overdue: list[OverdueScorecard]
    timeliness: Timeliness
    interviewers: list[Timeliness]
    stages: list[StageFlow]
    decisions: Decisions
    agreement: list[Agreement]
    leniency: list[Leniency] = field(default_factory=list)


@dataclass(frozen=True)
class OwnNumbers:
    """What an interviewer sees of themselves: their own timeliness, never anyone else's."""

    window_days: int
    timeliness: Timeliness


def pace(days_open: int, target_weeks: tuple[int, int]) -> Pace:
    low, high = target_weeks
    if days_open >= high * 7:
        return Pace.PAST_MAX
    if days_open >= low * 7:
        return Pace.PAST_MIN
    return Pace.ON_TRACK


def pace_label(state: Pace, target_weeks: tuple[int, int]) -> str:
    if state is Pace.PAST_MAX:
        return f"past {target_weeks[1]} weeks"
    if state is Pace.PAST_MIN:
        return f"past {target_weeks[0]} weeks"
    return str(state)


def days_between(start: datetime, end: datetime) -> int:
    return max(0, (end - start).days)


def next_step(loop: LoopFacts, now: datetime) -> NextStep:
    """What the loop waits for now. Missing scorecards come first: the debrief cannot happen without them."""
    if loop.status is LoopStatus.OPENING:
        return NextStep(Step.SET_UP, (loop.recruiter_id,))
    missing = sorted((i for i in loop.interviews if not i.submitted and i.ends_at <= now), key=lambda i: i.ends_at)
    if missing:
        return NextStep(Step.SCORECARDS, tuple(dict.fromkeys(i.interviewer_id for i in missing)))
    coming = sorted((i for i in loop.interviews if i.ends_at > now), key=lambda i: i.starts_at)
    if coming:
        first = coming[0]
        return NextStep(Step.INTERVIEW, (first.interviewer_id,), first.starts_at, first.stage_name)
    if not loop.interviews:
        return NextStep(Step.PLAN, (loop.recruiter_id,))
    if loop.debrief_at is None:
        return NextStep(Step.SCHEDULE_DEBRIEF, (loop.recruiter_id,))
    if loop.debrief_at > now:
        return NextStep(Step.DEBRIEF, (loop.hiring_manager_id,), loop.debrief_at)
    return NextStep(Step.DECIDE, (loop.hiring_manager_id,), loop.debrief_at)


def overdue_of(loop: LoopFacts, now: datetime) -> list[OverdueScorecard]:
    return [
        OverdueScorecard(
            loop.candidate_id,
            loop.name,
            loop.channel_id,
            i.stage_name,
            i.interviewer_id,
            i.ends_at,
            (now - i.ends_at).total_seconds() / 3600,
        )
        for i in loop.interviews
        if not i.submitted and now >= i.ends_at + OVERDUE_AFTER
    ]


def open_loops(loops: Iterable[LoopFacts], now: datetime) -> tuple[list[OpenLoop], list[OverdueScorecard]]:
    """Each open loop with its age, pace and next step, oldest first; and every overdue scorecard, latest first."""
    shown, overdue = [], []
    for loop in loops:
        late = overdue_of(loop, now)
        overdue.extend(late)
        days = days_between(loop.created_at, now)
        shown.append(
            OpenLoop(
                loop.candidate_id,
                loop.name,
                loop.channel_id,
                loop.recruiter_id,
                days,
                loop.target_weeks,
                pace(days, loop.target_weeks),
                next_step(loop, now),
                len(late),
            )
        )
    shown.sort(key=lambda row: (-row.days_open, row.candidate_id))
    overdue.sort(key=lambda row: (-row.hours_late, row.candidate_id))
    return shown, overdue


def in_window(moment: datetime, now: datetime, window: timedelta = WINDOW) -> bool:
    return now - window <= moment <= now


def timeliness(dues: Iterable[Due], now: datetime, interviewer_id: str | None = None) -> Timeliness:
    """On-time share and median time to scorecard, over scorecards due in the window.

    A scorecard counts once it is in, or once its 24 hours are up without it (then it is late):
    one still inside its first day is neither on time nor late yet."""
    counted = [
        d for d in dues if in_window(d.ends_at, now) and (d.submitted_at is not None or now >= d.ends_at + ON_TIME)
    ]
    waits = [max(0.0, (d.submitted_at - d.ends_at).total_seconds() / 3600) for d in counted if d.submitted_at]
    on_time = sum(1 for d in counted if d.submitted_at is not None and d.submitted_at <= d.ends_at + ON_TIME)
    return Timeliness(interviewer_id, len(counted), on_time, len(waits), median(waits) if waits else None)


def per_interviewer(dues: Iterable[Due], now: datetime) -> list[Timeliness]:
    """Each interviewer's timeliness, slowest median first (those with nothing submitted last)."""
    by_person: dict[str, list[Due]] = defaultdict(list)
    for due in dues:
        by_person[due.interviewer_id].append(due)
    rows = [timeliness(items, now, person) for person, items in by_person.items()]
    rows = [row for row in rows if row.due]
    return sorted(rows, key=lambda r: (r.median_hours is None, -(r.median_hours or 0), r.interviewer_id or ""))


def pass_through(
    held: Iterable[Held],
    stage_orders: dict[str, list[tuple[str, str]]],
    outcome: dict[int, tuple[LoopStatus, Decision | None]],
    now: datetime,
) -> list[StageFlow]:
    """Per stage, in each pack's order: loops that reached it in the window, and how many went on.

    `stage_orders` maps a pack to its stages as (key, name); `outcome` a candidate to its status and
    decision. Going on is reaching any later stage of the pack (whenever it was held) or being hired."""
    ranks = {pack: {key: n for n, (key, _) in enumerate(stages)} for pack, stages in stage_orders.items()}
    reached: dict[int, dict[str, datetime]] = defaultdict(dict)
    pack_of: dict[int, str] = {}
    for row in held:
        if row.starts_at > now or row.stage_key not in ranks.get(row.pack, ()):
            continue
        pack_of[row.candidate_id] = row.pack
        seen = reached[row.candidate_id]
        seen[row.stage_key] = max(seen.get(row.stage_key, row.starts_at), row.starts_at)
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # reached, went on, still open
    for candidate, seen in reached.items():
        pack = pack_of[candidate]
        rank = ranks[pack]
        furthest = max(rank[key] for key in seen)
        status, decision = outcome[candidate]
        for key, when in seen.items():
            if not in_window(when, now):
                continue
            tally = tallies[(pack, key)]
            tally[0] += 1
            if furthest > rank[key] or decision is Decision.HIRE:
                tally[1] += 1
            elif status in (LoopStatus.OPEN, LoopStatus.OPENING):
                tally[2] += 1
    flows = [
        StageFlow(pack, key, name, *tallies[(pack, key)])
        for pack, stages in stage_orders.items()
        for key, name in stages
        if (pack, key) in tallies
    ]
    return flows


def decisions(rows: Iterable[Decided], now: datetime) -> Decisions:
    recent = [r for r in rows if in_window(r.decided_at, now)]
    days = [(r.decided_at - r.created_at).total_seconds() / 86400 for r in recent]
    hired = sum(1 for r in recent if r.decision is Decision.HIRE)
    return Decisions(len(recent), hired, median(days) if days else None)
