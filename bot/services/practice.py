"""Training interviewers, as plain values: a trainee's practice ratings beside the panel's, how
closely they agree, and how far a trainee is along a pack's training path.

Pure functions and dataclasses; the transactions are in training.py and graduation.py, the
Block Kit in handlers/builders/training.py (through the TrainingRenderer port below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Protocol

from bot.services.message import Message
from db.vocabulary import Decision, TraineeMode

WITHIN = 1  # a practice rating this close to the panel's median counts as agreeing


@dataclass(frozen=True)
class Agreement:
    """How a trainee's ratings sat against the panel's medians, competency by competency."""

    compared: int = 0
    within_one: int = 0
    total_difference: float = 0.0  # sum of (practice rating - panel median): above 0 is more lenient

    @property
    def share(self) -> float | None:
        return self.within_one / self.compared if self.compared else None

    @property
    def mean_difference(self) -> float | None:
        return self.total_difference / self.compared if self.compared else None

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(
            self.compared + other.compared,
            self.within_one + other.within_one,
            self.total_difference + other.total_difference,
        )


def agreement(practice: Mapping[str, int | None], medians: Mapping[str, float]) -> Agreement:
    """Compare each competency the trainee rated with the panel's median for it (where the panel rated it)."""
    result = Agreement()
    for key, rating in practice.items():
        if rating is None or key not in medians:
            continue
        difference = rating - medians[key]
        result = result + Agreement(1, int(abs(difference) <= WITHIN), difference)
    return result


def panel_medians(scorecards: Iterable[Mapping[str, int]]) -> dict[str, float]:
    """Per competency, the median of the panel's ratings of it (each scorecard a {key: rating})."""
    ratings: dict[str, list[int]] = {}
    for card in scorecards:
        for key, rating in card.items():
            ratings.setdefault(key, []).append(rating)
    return {key: float(median(values)) for key, values in ratings.items()}


@dataclass(frozen=True)
class TraineeSlot:
    """What the Add a trainee modal shows about the interview."""

    interview_id: int
    candidate_name: str
    stage_name: str
    interviewer_id: str
    starts_at: datetime
    zone: str
    trainees: list[tuple[str, TraineeMode]]


@dataclass(frozen=True)
class TraineeNotice:
    """The DM a trainee gets when added: what, when, and the practice scorecard's button."""

    trainee_id: str
    mode: TraineeMode
    interview_id: int
    candidate_name: str
    stage_name: str
    interviewer_id: str
    starts_at: datetime
    zone: str


@dataclass(frozen=True)
class CompetencyLine:
    name: str
    practice: int | None
    interviewer: int | None  # the counted scorecard of the same interview, if it is in
    panel_median: float | None  # over every counted scorecard of the loop that rated it


@dataclass(frozen=True)
class Comparison:
    """After the decision: one trainee's practice scorecard beside the panel's."""

    trainee_id: str
    mode: TraineeMode
    candidate_name: str
    stage_name: str
    interviewer_id: str
    decision: Decision
    lines: list[CompetencyLine]
    practice_recommendation: str
    interviewer_recommendation: str | None
    agreement: Agreement


@dataclass(frozen=True)
class Progress:
    """How far one person is along one stage's training path, counted on decided loops only."""

    user_id: str
    pack: str
    stage: str
    role_name: str
    stage_name: str
    shadows: int
    reverse_shadows: int
    shadows_needed: int
    reverse_shadows_needed: int
    agreement: Agreement
    trained: bool

    @property
    def ready(self) -> bool:
        return self.shadows >= self.shadows_needed and self.reverse_shadows >= self.reverse_shadows_needed

    @property
    def button_value(self) -> str:
        return f"{self.pack}|{self.stage}|{self.user_id}"


class TrainingRenderer(Protocol):
    def trainee_notice(self, notice: TraineeNotice) -> Message: ...

    def comparison(self, comparison: Comparison) -> Message: ...

    def graduation_offers(self, offers: list[Progress]) -> Message: ...
