"""Leniency: how much higher (or lower) an interviewer rates than their panel mates, with a 95% interval.

Pure functions over (candidate, competency, interviewer, rating) values: no database, no Slack.

For every candidate and competency that two or more interviewers rated, each of them gets a
difference: their rating minus the mean of the others' ratings of the same thing. Differences on
one candidate are not independent (the same candidate, the same panel mates, often the same
impression carried across competencies), so they are averaged per candidate first and the
candidate is the unit of the t-interval: one candidate, one observation. Candidates are assumed
independent of each other, and panels are assumed to be drawn without regard to who is lenient.

What this estimates is the interviewer's leniency *relative to the people they sit on panels
with*, not against an absolute truth: if everyone is generous, nobody is.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from statistics import fmean, stdev
from typing import NamedTuple, cast

# The t quantile only: scipy.stats (ttest_1samp's home) added 69 MB to every process that
# imported this module, web workers included, against 24 MB for scipy.special; the interval
# itself is the textbook mean +/- t * s / sqrt(n), which is what ttest_1samp returned.
from scipy.special import stdtrit

from bot.services.agreement import Observation

CONFIDENCE = 0.95
# Below this many candidates shared with panel mates, the interval is too wide to say anything,
# and a number would invite reading noise as a trait.
MIN_CANDIDATES = 5


class Rating(NamedTuple):
    candidate: Hashable
    competency: str
    interviewer: str
    rating: float


@dataclass(frozen=True)
class Leniency:
    interviewer_id: str
    estimate: float  # mean over candidates of (rating - panel mates' mean), in rating points
    low: float  # the confidence interval, NaN when there are too few candidates to have one
    high: float
    candidates: int  # candidates with at least one panel mate on the same competency
    differences: int  # individual (candidate, competency) comparisons behind the estimate

    @property
    def enough_data(self) -> bool:
        return self.candidates >= MIN_CANDIDATES

    @property
    def shown(self) -> bool:
        """Only an interval that excludes 0 says the interviewer differs from their panel mates."""
        return self.enough_data and (self.low > 0 or self.high < 0)

    @property
    def direction(self) -> str:
        return "above" if self.estimate > 0 else "below"


def from_panel(variables: Mapping[str, Iterable[Observation]]) -> list[Rating]:
    """Ratings from agreement_data.panel_ratings' shape: competency -> (candidate, interviewer, rating)."""
    # Panel ratings are 1-4 integers; Observation types them loosely because files may hold labels.
    return [
        Rating(o.unit, key, str(o.rater), float(cast(float, o.value))) for key, obs in variables.items() for o in obs
    ]


def differences(ratings: Iterable[Rating]) -> dict[str, dict[Hashable, list[float]]]:
    """interviewer -> candidate -> their differences from panel mates, one per shared competency."""
    by_unit: dict[tuple[Hashable, str], dict[str, float]] = defaultdict(dict)
    for candidate, competency, interviewer, rating in ratings:
        unit = by_unit[(candidate, competency)]
        if interviewer in unit:
            raise ValueError(f"interviewer {interviewer!r} rated {competency!r} twice for candidate {candidate!r}")
        unit[interviewer] = rating
    diffs: dict[str, dict[Hashable, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (candidate, _), raters in by_unit.items():
        if len(raters) < 2:
            continue
        total, n = sum(raters.values()), len(raters)
        for who, rating in raters.items():
            diffs[who][candidate].append(rating - (total - rating) / (n - 1))
    return diffs


def estimate(ratings: Iterable[Rating], confidence: float = CONFIDENCE) -> list[Leniency]:
    """Every interviewer's leniency, largest first (in absolute value), each with its t-interval."""
    rows = []
    for who, per_candidate in differences(ratings).items():
        clusters = [fmean(values) for values in per_candidate.values()]
        low, high = _interval(clusters, confidence)
        rows.append(
            Leniency(
                interviewer_id=who,
                estimate=fmean(clusters),
                low=low,
                high=high,
                candidates=len(clusters),
                differences=sum(len(v) for v in per_candidate.values()),
            )
        )
    return sorted(rows, key=lambda r: (-abs(r.estimate), r.interviewer_id))


def _interval(values: list[float], confidence: float) -> tuple[float, float]:
    if len(values) < 2:
        return math.nan, math.nan
    centre = fmean(values)
    if all(v == centre for v in values):
        return centre, centre  # no spread at all: the t-interval is 0/0, the data leave no doubt
    n = len(values)
    half = float(stdtrit(n - 1, (1 + confidence) / 2)) * stdev(values, centre) / math.sqrt(n)
    return centre - half, centre + half
