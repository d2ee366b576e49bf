"""Coverage of a profile's must-have competencies: how many independent raters, and how far their mean
can be trusted. Pure functions: no database, no Slack.

The reliability of the mean of k independent raters follows from one rater's reliability r by the
Spearman-Brown formula, k·r / (1 + (k−1)·r) (Spearman 1910; Brown 1910). One rater's reliability
for a competency is measured as Krippendorff's alpha of the panel's past ratings of it: alpha is
the agreement expected between two raters picked at random, i.e. a single-rater reliability. Until
a competency has enough data for alpha, the pack's default stands in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.services.agreement import Agreement
from rubrics.models import RubricPack

# One rater is no panel: with fewer than two, nobody's judgement is checked against anyone's.
MIN_RATERS = 2


def spearman_brown(single_rater: float, raters: int) -> float:
    """Reliability of the mean of `raters` independent raters, each of reliability `single_rater`."""
    if not 0 <= single_rater <= 1:
        raise ValueError(f"a reliability is between 0 and 1, not {single_rater}")
    if raters < 0:
        raise ValueError(f"a number of raters cannot be negative ({raters})")
    if raters == 0:
        return 0.0
    return raters * single_rater / (1 + (raters - 1) * single_rater)


@dataclass(frozen=True)
class Coverage:
    key: str
    name: str
    raters: int  # distinct interviewers: one person twice is not two independent opinions
    single_rater: float
    measured: bool  # single_rater came from the panel's data (else the pack default)
    reliability: float  # Spearman-Brown projection for `raters`
    threshold: float

    @property
    def too_few_raters(self) -> bool:
        return self.raters < MIN_RATERS

    @property
    def below_threshold(self) -> bool:
        return self.reliability < self.threshold

    @property
    def warning(self) -> bool:
        return self.too_few_raters or self.below_threshold


def measured_reliability(agreements: Iterable[Agreement]) -> dict[str, float]:
    """Competency -> single-rater reliability, for those with enough data for an alpha.

    A negative alpha (systematic disagreement) is read as 0: no reliability, which Spearman-Brown
    keeps at 0 however many raters there are. The agreement's name is `pack/key` or `key`.
    """
    return {a.name.rsplit("/", 1)[-1]: min(1.0, max(0.0, a.alpha)) for a in agreements if a.alpha is not None}


def planned_raters(pack: RubricPack, plan: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Competency -> the distinct interviewers whose stage assesses it, from (stage key, interviewer) pairs.
    A stage that has left the pack since it was planned assesses nothing the pack still knows."""
    stages = {stage.key: stage.competencies for stage in pack.stages}
    raters: dict[str, set[str]] = defaultdict(set)
    for stage_key, interviewer in plan:
        for key in stages.get(stage_key, []):
            raters[key].add(interviewer)
    return raters


def coverage(
    pack: RubricPack, profile_key: str, raters: Mapping[str, Collection[str]], measured: Mapping[str, float]
) -> list[Coverage]:
    """One line per must-have competency of the profile (none if the profile has left the pack)."""
    try:
        profile = pack.profile(profile_key)
    except KeyError:
        return []
    rows = []
    for key in profile.must_have:
        single = measured.get(key)
        r = single if single is not None else pack.reliability.default_single_rater
        k = len(raters.get(key, ()))
        rows.append(
            Coverage(
                key=key,
                name=pack.competency(key).name,
                raters=k,
                single_rater=r,
                measured=single is not None,
                reliability=spearman_brown(r, k),
                threshold=pack.reliability.threshold,
            )
        )
    return rows
