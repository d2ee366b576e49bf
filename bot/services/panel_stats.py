"""The panel's own numbers, read from the database: each competency's measured single-rater
reliability, the loop card's must-have coverage, and interviewers' leniency.

Each function reads the ratings it needs in one statement (agreement_data.ratings_in) and hands
them to the pure modules that do the arithmetic (agreement, coverage, leniency).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services.agreement import measure_each
from bot.services.agreement_data import RATING_SCALE, ratings_in
from bot.services.coverage import Coverage, coverage, measured_reliability, planned_raters
from bot.services.leniency import Leniency, Rating, estimate, from_panel
from bot.services.ports import LoopCard
from db.models import Candidate, InterviewStatus
from rubrics.loader import RubricRegistry
from rubrics.models import RubricPack


def reliability(session: Session, pack: RubricPack) -> dict[str, float]:
    """Competency key -> single-rater reliability measured on this pack's past ratings (where there is
    enough data: agreement.MIN_UNITS candidates rated by two or more people)."""
    by_competency = ratings_in(session, pack=pack.pack)
    return measured_reliability(measure_each(by_competency, "ordinal", domain=RATING_SCALE))


class ReliabilityCache:
    """Measured reliability moves slowly (one more candidate among many), and reading it costs a pass
    over the pack's ratings (~0.7 s for 2,000 past loops on PostgreSQL here), while the card is
    refreshed on every plan change and scorecard: so the card reads it at most once per `ttl` a pack."""

    def __init__(self, clock: Clock, ttl: timedelta = timedelta(minutes=15)):
        self.clock = clock
        self.ttl = ttl
        self._values: dict[str, tuple[datetime, dict[str, float]]] = {}

    def __call__(self, session: Session, pack: RubricPack) -> dict[str, float]:
        now = self.clock()
        cached = self._values.get(pack.pack)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        values = reliability(session, pack)
        self._values[pack.pack] = (now, values)
        return values


def card_coverage(
    session: Session,
    rubrics: RubricRegistry,
    card: LoopCard,
    measured: Callable[[Session, RubricPack], Mapping[str, float]] = reliability,
) -> list[Coverage]:
    """What the interview plan on the card gives each must-have competency of the loop's profile."""
    loop = session.execute(select(Candidate.pack, Candidate.profile).where(Candidate.id == card.candidate_id)).one()
    pack = rubrics.get(loop.pack)
    try:
        if not pack.profile(loop.profile).must_have:
            return []
    except KeyError:  # a profile that has left the pack since the loop opened
        return []
    plan = [(i.stage_key, i.interviewer_id) for i in card.interviews if i.status is InterviewStatus.SCHEDULED]
    return coverage(pack, loop.profile, planned_raters(pack, plan), measured(session, pack))


def history(
    session: Session, raters: Collection[str] | None = None, exclude_candidate: int | None = None
) -> list[Rating]:
    """The ratings of every loop `raters` (everyone when None) sat on, but `exclude_candidate`'s."""
    if raters is not None and not raters:
        return []
    ratings = from_panel(ratings_in(session, raters=raters))
    return [r for r in ratings if r.candidate != exclude_candidate]


def leniency(session: Session, raters: Collection[str] | None = None) -> list[Leniency]:
    """Leniency of `raters` (everyone when None), from every loop they sat on."""
    rows = estimate(history(session, raters))
    return rows if raters is None else [row for row in rows if row.interviewer_id in raters]
