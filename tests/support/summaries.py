"""Loops and scorecards as the pure pre-read summary takes them, for its tests and the rule's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.leniency import Rating
from bot.services.summary import CardInput, ExpectedInput, LoopInput
from rubrics.loader import RubricRegistry
from rubrics.models import Recommendation

PACK = RubricRegistry.from_directory().get("ml-engineer")
NOW = datetime(2030, 3, 12, 13, 0, tzinfo=UTC)
YES, NO = Recommendation.YES, Recommendation.NO


def card(
    who: str,
    stage: str,
    rec: Recommendation = YES,
    flags: dict | None = None,
    evidence: dict | None = None,
    **ratings: int,
) -> CardInput:
    raised = {k: (PACK.red_flag(k).label, v) for k, v in (flags or {}).items()}
    return CardInput(who, stage, rec, dict(ratings), raised, evidence=evidence or {})


def loop(
    cards: list[CardInput],
    expected: list[ExpectedInput] | None = None,
    profile: str = "balanced",
    history: list[Rating] | None = None,
    reliability: dict[str, float] | None = None,
) -> LoopInput:
    expected = (
        expected
        if expected is not None
        else [ExpectedInput(c.interviewer_id, c.stage_key, NOW - timedelta(days=2), True) for c in cards]
    )
    return LoopInput(
        "Priya Raman", profile, NOW - timedelta(days=20), NOW, cards, expected, history or [], reliability or {}
    )
