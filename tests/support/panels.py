"""Panels of ratings for the agreement and leniency tests: the published worked examples,
a simulated panel, and helpers that store a panel as loops and scorecards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import numpy as np

from bot.services.agreement import Observation
from db.models import Candidate, Interview, InterviewStatus, LoopStatus, Rating, Scorecard


def observations(matrix: list[str]) -> list[Observation]:
    """Rows are raters, columns are units, `*` is a missing value: the layout the sources print."""
    return [
        Observation(unit, f"rater{row}", value if not value.isdigit() else int(value))
        for row, line in enumerate(matrix)
        for unit, value in enumerate(line.split(), start=1)
        if value != "*"
    ]


# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43.
# Section C (nominal data, any number of observers, missing values): 4 observers, 12 units,
# values 1-5; unit 12 has a single value and unit 11 only two. Published: nominal .743 (section C),
# ordinal .815, interval .849, ratio .797 (section E). The ordinal and ratio values are also
# asserted by the krippendorff package's own tests (tests/test_krippendorff.py).
KRIPPENDORFF_2011_C = [
    "1 2 3 3 2 1 4 1 2 * * *",
    "1 2 3 3 2 2 4 1 2 5 * 3",
    "* 3 3 3 2 3 4 2 2 5 1 *",
    "1 2 3 3 2 4 4 1 2 5 1 *",
]

# Wikipedia, "Krippendorff's alpha", section "A computational example": 3 coders, 15 units,
# values 1-4, most units rated by only two coders. Published there: nominal .691, interval .811.
# The krippendorff package's own tests (tests/test_krippendorff.py) assert the same data give
# 0.691358 and 0.810845.
WIKIPEDIA_EXAMPLE = [
    "* * * * * 3 4 1 2 1 1 3 3 * 3",
    "1 * 2 1 3 3 4 3 * * * * * * *",
    "* * 2 1 3 4 4 * 2 1 1 3 3 * 4",
]

# Krippendorff (2011) section A (binary data, two observers, no missing values). Published: .095.
KRIPPENDORFF_2011_A = [
    "0 1 0 0 0 0 0 0 1 0",
    "1 1 1 0 0 1 0 0 0 0",
]

# Krippendorff (2011) section B (nominal data, two observers, no missing values), letters a-e.
# Published: .692.
KRIPPENDORFF_2011_B = [
    "a a b b d c c c e d d a",
    "b a b b b c c c e d d d",
]


def simulated_panel(noise: float, seed: int = 7) -> list[Observation]:
    """200 candidates, 12 interviewers, 3 interviewers per candidate, on the 1-4 scale. Each
    interviewer sees the candidate's true level plus their own noise (sd = `noise`), then rounds."""
    rng = np.random.default_rng(seed)
    data = []
    for candidate in range(200):
        truth = rng.normal(2.5, 0.9)
        for interviewer in rng.choice(12, size=3, replace=False):
            rating = int(np.clip(np.rint(truth + rng.normal(0, noise)), 1, 4))
            data.append(Observation(candidate, f"interviewer{interviewer}", rating))
    return data


START = datetime(2026, 3, 2, 9, tzinfo=UTC)
_hours = count()


def add_loop(session, status=LoopStatus.OPEN, pack="ml-engineer") -> Candidate:
    candidate = Candidate(
        name="Test Candidate",
        pack=pack,
        pack_version=1,
        profile=f"{pack}/balanced",
        recruiter_id="URITA",
        hiring_manager_id="UHANK",
        created_by="URITA",
        status=status,
    )
    session.add(candidate)
    return candidate


def add_scorecard(session, candidate, interviewer, ratings, status=InterviewStatus.SCHEDULED, submitted=True):
    interview = Interview(
        candidate=candidate,
        stage_key="technical",
        interviewer_id=interviewer,
        starts_at=START + timedelta(hours=next(_hours)),
        duration_minutes=60,
        timezone="UTC",
        status=status,
    )
    session.add(interview)
    if submitted:
        interview.scorecard = Scorecard(
            interviewer_id=interviewer,
            pack=candidate.pack,
            pack_version=1,
            recommendation="yes",
            ratings=[Rating(competency_key=k, competency_name=k.title(), rating=v) for k, v in ratings.items()],
        )
    return interview


def store_panel(db, panel: list[Observation], key: str = "collaboration") -> None:
    """A simulated panel as loops: one loop per unit, one scorecard per rating."""
    with db.transaction() as session:
        loops = {}
        for unit, rater, value in panel:
            if unit not in loops:
                loops[unit] = add_loop(session)
            add_scorecard(session, loops[unit], rater, {key: value})
