"""The debrief pre-read, computed by one pure function from a loop's scorecards and its rubric.

No database, no Slack: `summarize` takes plain values and returns plain values, so every
part of it (unique evidence, disagreements, repeated flags, gaps, missing scorecards,
profile fit, calibration and the pack's decision rule) is tested directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean

from bot.services.coverage import Coverage, coverage
from bot.services.decision_rule import RuleFacts, RuleOutcome, evaluate
from bot.services.leniency import Leniency, Rating, estimate
from rubrics.models import Recommendation, RubricPack

DISAGREEMENT_SPREAD = 2  # points between the lowest and highest rating of one competency
REPEATED_FLAG = 2  # interviewers raising the same flag


@dataclass(frozen=True)
class CardInput:
    """One submitted scorecard, as the summary needs it."""

    interviewer_id: str
    stage_key: str
    recommendation: Recommendation
    ratings: dict[str, int]  # competency key -> 1..4
    flags: dict[str, tuple[str, str]]  # flag key -> (label when raised, evidence)
    amendments: int = 0
    evidence: dict[str, str] = field(default_factory=dict)  # competency key -> evidence, where written
    impressions: int = 0  # ratings whose evidence was kept as an impression


@dataclass(frozen=True)
class ExpectedInput:
    """An interview whose scorecard is expected, submitted or not."""

    interviewer_id: str
    stage_key: str
    ends_at: datetime
    submitted: bool


@dataclass(frozen=True)
class LoopInput:
    candidate_name: str
    profile_key: str
    opened_at: datetime
    now: datetime
    cards: list[CardInput]
    expected: list[ExpectedInput]
    history: list[Rating] = field(default_factory=list)  # past loops' ratings, for leniency
    reliability: dict[str, float] = field(default_factory=dict)  # measured single-rater, by competency


@dataclass(frozen=True)
class CompetencyRow:
    key: str
    name: str
    ratings: list[tuple[str, int]]  # (interviewer, rating)
    weight: float

    @property
    def count(self) -> int:
        return len(self.ratings)

    @property
    def mean(self) -> float | None:
        return mean(r for _, r in self.ratings) if self.ratings else None

    @property
    def spread(self) -> int:
        values = [r for _, r in self.ratings]
        return max(values) - min(values) if values else 0

    @property
    def disagreement(self) -> bool:
        return self.spread >= DISAGREEMENT_SPREAD


@dataclass(frozen=True)
class FlagRow:
    key: str
    label: str
    stage_name: str
    interviewer_id: str
    evidence: str
    repeated: bool


@dataclass(frozen=True)
class UniqueRow:
    """A point of evidence only one panel member holds: the rest of the room cannot know it
    unless it is said."""

    interviewer_id: str
    stage_name: str
    topic: str  # the competency's name, or the red flag's label
    rating: int | None  # None: a red flag
    evidence: str


@dataclass(frozen=True)
class MissingRow:
    interviewer_id: str
    stage_name: str
    overdue_by: timedelta | None  # None: not due yet


@dataclass(frozen=True)
class ImpressionRow:
    """A scorecard with ratings whose evidence is only an impression."""

    interviewer_id: str
    stage_name: str
    count: int
    rated: int


@dataclass(frozen=True)
class Summary:
    candidate_name: str
    role: str
    profile_name: str
    tally: dict[Recommendation, int]
    submitted: int
    expected: int
    days_open: int
    target_weeks: tuple[int, int]
    matrix: list[CompetencyRow]
    profile_fit: float | None
    fit_explanation: str
    flags: list[FlagRow]
    gaps: list[str]
    missing: list[MissingRow]
    calibration: list[Leniency]
    amendments: int
    unique: list[UniqueRow] = field(default_factory=list)
    rule: RuleOutcome | None = None  # None: the pack declares no decision rule
    impressions: list[ImpressionRow] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)  # must-haves, as actually rated

    @property
    def disagreements(self) -> list[CompetencyRow]:
        return [row for row in self.matrix if row.disagreement]


def summarize(loop: LoopInput, pack: RubricPack) -> Summary:
    profile = pack.profile(loop.profile_key)

    tally = {r: 0 for r in reversed(list(Recommendation))}
    by_competency: dict[str, list[tuple[str, int]]] = defaultdict(list)
    raised_by: dict[str, set[str]] = defaultdict(set)
    for card in loop.cards:
        tally[card.recommendation] += 1
        for key, rating in card.ratings.items():
            by_competency[key].append((card.interviewer_id, rating))
        for key in card.flags:
            raised_by[key].add(card.interviewer_id)

    matrix = [
        CompetencyRow(c.key, c.name, by_competency.get(c.key, []), profile.weight(c.key)) for c in pack.competencies
    ]
    fit, explanation = _profile_fit(matrix, profile.name)

    flags = [
        FlagRow(
            key=key,
            label=label,
            stage_name=pack.stage_name(card.stage_key),
            interviewer_id=card.interviewer_id,
            evidence=evidence,
            repeated=len(raised_by[key]) >= REPEATED_FLAG,
        )
        for card in loop.cards
        for key, (label, evidence) in sorted(card.flags.items())
    ]
    flags.sort(key=lambda f: (not f.repeated, f.label, f.stage_name))

    return Summary(
        candidate_name=loop.candidate_name,
        role=pack.role,
        profile_name=profile.name,
        tally=tally,
        submitted=len(loop.cards),
        expected=len(loop.expected),
        days_open=max(0, (loop.now - loop.opened_at).days),
        target_weeks=(pack.loop_target.min_weeks, pack.loop_target.max_weeks),
        matrix=matrix,
        profile_fit=fit,
        fit_explanation=explanation,
        flags=flags,
        gaps=[row.name for row in matrix if not row.count],
        missing=_missing(loop, pack),
        calibration=calibrate(loop.history, {c.interviewer_id for c in loop.cards}),
        amendments=sum(c.amendments for c in loop.cards),
        coverage=rated_coverage(loop, pack, matrix),
        unique=unique_evidence(loop.cards, pack),
        rule=evaluate(pack.decision_rule, _facts(loop, fit, flags)) if pack.decision_rule else None,
        impressions=impression_rows(loop.cards, pack),
    )


def _missing(loop: LoopInput, pack: RubricPack) -> list[MissingRow]:
    return [
        MissingRow(
            e.interviewer_id, pack.stage_name(e.stage_key), loop.now - e.ends_at if loop.now >= e.ends_at else None
        )
        for e in loop.expected
        if not e.submitted
    ]


def _profile_fit(matrix: list[CompetencyRow], profile_name: str) -> tuple[float | None, str]:
    """The weighted mean of the rated competencies' means, and the arithmetic behind it."""
    rated = [row for row in matrix if row.count]
    if not rated:
        return None, "no ratings yet"
    total_weight = sum(row.weight for row in rated)
    fit = sum(row.weight * (row.mean or 0) for row in rated) / total_weight
    terms = " + ".join(f"{row.weight:g}×{row.mean:.1f}" for row in rated)
    return fit, f"({terms}) ÷ {total_weight:g} = {fit:.2f} of 4, weighted for {profile_name}"


def _facts(loop: LoopInput, fit: float | None, flags: list[FlagRow]) -> RuleFacts:
    return RuleFacts(
        submitted=len(loop.cards),
        expected=len(loop.expected),
        profile_fit=fit,
        strong_no_from=[c.interviewer_id for c in loop.cards if c.recommendation is Recommendation.STRONG_NO],
        flags_raised=[(f.key, f.label, f.interviewer_id) for f in flags],
    )


def unique_evidence(cards: list[CardInput], pack: RubricPack) -> list[UniqueRow]:
    """The evidence behind ratings of a competency only one panel member rated, and red flags
    only one raised. A lone rating with no evidence written is not listed: the matrix shows it
    (n=1), and there is nothing more for its rater to say.

    Counted by person, not by scorecard: one interviewer's two scorecards still leave the
    rest of the room unaware of what they saw.
    """
    raters: dict[str, set[str]] = defaultdict(set)
    raisers: dict[str, set[str]] = defaultdict(set)
    for card in cards:
        for key in card.ratings:
            raters[key].add(card.interviewer_id)
        for key in card.flags:
            raisers[key].add(card.interviewer_id)
    rows = []
    for card in cards:
        alone = {card.interviewer_id}
        stage = pack.stage_name(card.stage_key)
        rows += [
            UniqueRow(card.interviewer_id, stage, c.name, card.ratings[c.key], card.evidence.get(c.key, ""))
            for c in pack.competencies
            if c.key in card.ratings and raters[c.key] == alone and card.evidence.get(c.key, "").strip()
        ]
        rows += [
            UniqueRow(card.interviewer_id, stage, label, None, evidence)
            for key, (label, evidence) in sorted(card.flags.items())
            if raisers[key] == alone
        ]
    return rows


def impression_rows(cards: list[CardInput], pack: RubricPack) -> list[ImpressionRow]:
    """Per scorecard, how many ratings rest on impressions; scorecards with none are left out."""
    return [
        ImpressionRow(c.interviewer_id, pack.stage_name(c.stage_key), c.impressions, len(c.ratings))
        for c in cards
        if c.impressions
    ]


def rated_coverage(loop: LoopInput, pack: RubricPack, matrix: list[CompetencyRow]) -> list[Coverage]:
    """The must-haves as actually rated: each interviewer counts once, however many stages they rated in."""
    raters = {row.key: {who for who, _ in row.ratings} for row in matrix}
    return coverage(pack, loop.profile_key, raters, loop.reliability)


def calibrate(history: list[Rating], panel: set[str]) -> list[Leniency]:
    """This panel's interviewers whose leniency's 95% interval excludes 0 (see bot/services/leniency.py).

    Only people on this loop's panel are named, and only with enough past candidates to say.
    """
    return [row for row in estimate(history) if row.interviewer_id in panel and row.shown]
