"""Interviewer agreement: Krippendorff's alpha per competency, read against Krippendorff's thresholds.

Pure functions over (unit, rater, value) observations: no database, no Slack. The statistic itself
comes from the `krippendorff` package; this module only shapes sparse ratings into its input,
applies the minimum-data rule and names the verdict.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

import krippendorff
import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = get_args(Level)

# Krippendorff (2004), Content Analysis: An Introduction to Its Methodology, 2nd ed.: rely on
# variables with alpha >= .800; consider .667 <= alpha < .800 only for tentative conclusions.
RELIABLE = 0.800
TENTATIVE = 0.667
# Below this many units rated by two or more raters, one alpha says more about the few units
# than about the panel: report "not enough data" rather than a number.
MIN_UNITS = 10
# krippendorff 0.9 builds a units x values x values array; past this many cells (~160 MB of
# floats) refuse with a sentence instead of exhausting memory. hirebot's 1-4 scale is far below.
MAX_CELLS = 20_000_000


class Verdict(enum.StrEnum):
    RELIABLE = "reliable"
    TENTATIVE = "tentative"
    UNRELIABLE = "unreliable"
    NOT_ENOUGH_DATA = "not enough data"
    # Every pairable rating is the same value: alpha is 0/0, so there is no number to give.
    NO_VARIATION = "no variation"


class Observation(NamedTuple):
    """One rater's value for one unit (for hirebot: an interviewer's rating of a candidate)."""

    unit: Hashable
    rater: Hashable
    value: Hashable


@dataclass(frozen=True)
class Agreement:
    """Alpha for one variable (one competency), with the n it rests on."""

    name: str
    level: str
    alpha: float | None
    units: int  # units rated by two or more raters: only these carry information about agreement
    pairable: int  # the values in those units (Krippendorff's n)
    raters: int  # distinct raters among the pairable values
    verdict: Verdict


def verdict_for(alpha: float) -> Verdict:
    if alpha >= RELIABLE:
        return Verdict.RELIABLE
    if alpha >= TENTATIVE:
        return Verdict.TENTATIVE
    return Verdict.UNRELIABLE


def measure(
    name: str,
    observations: Iterable[Observation],
    level: Level = "ordinal",
    *,
    domain: Iterable[Hashable] | None = None,
    min_units: int = MIN_UNITS,
) -> Agreement:
    """Alpha for one variable. Raters may rate any subset of units: missing ratings are simply absent.

    `domain` is the scale's ordered values (hirebot's 1-4); by default, the values that occur.
    A rater's second value for the same unit is a caller's bug, not a rating: it raises ValueError.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    by_unit = _values_by_unit(observations)
    pairable = {unit: values for unit, values in by_unit.items() if len(values) >= 2}
    raters = {rater for values in pairable.values() for rater in values}
    count = sum(len(values) for values in pairable.values())

    def result(alpha: float | None, verdict: Verdict) -> Agreement:
        return Agreement(name, level, alpha, len(pairable), count, len(raters), verdict)

    if len(pairable) < min_units:
        return result(None, Verdict.NOT_ENOUGH_DATA)
    seen = {value for values in pairable.values() for value in values.values()}
    if len(seen) < 2:
        return result(None, Verdict.NO_VARIATION)
    scale = _scale(seen, domain, level)
    if len(pairable) * len(scale) ** 2 > MAX_CELLS:
        raise ValueError(
            f"{len(pairable)} units with {len(scale)} distinct values is too large to compute; "
            "round the values or split the file"
        )
    index = {value: position for position, value in enumerate(scale)}
    counts = np.zeros((len(pairable), len(scale)), dtype=np.int64)
    for row, values in enumerate(pairable.values()):
        for value in values.values():
            counts[row, index[value]] += 1
    value_domain = np.arange(len(scale)) if level == "nominal" else np.asarray(scale, dtype=float)
    alpha = float(krippendorff.alpha(value_counts=counts, value_domain=value_domain, level_of_measurement=level))
    return result(alpha, verdict_for(alpha))


def measure_each(
    variables: Mapping[str, Iterable[Observation]],
    level: Level = "ordinal",
    *,
    domain: Iterable[Hashable] | None = None,
    min_units: int = MIN_UNITS,
) -> list[Agreement]:
    """Alpha per variable (per competency), in the mapping's order."""
    domain = list(domain) if domain is not None else None
    return [
        measure(name, observations, level, domain=domain, min_units=min_units)
        for name, observations in variables.items()
    ]


def needs_work(results: Iterable[Agreement]) -> list[Agreement]:
    """The variables whose raters do not agree well enough to rely on: their anchors need work."""
    return [r for r in results if r.verdict is Verdict.UNRELIABLE]


def _values_by_unit(observations: Iterable[Observation]) -> dict[Hashable, dict[Hashable, Hashable]]:
    by_unit: dict[Hashable, dict[Hashable, Hashable]] = defaultdict(dict)
    for unit, rater, value in observations:
        if rater in by_unit[unit]:
            raise ValueError(f"rater {rater!r} has two values for unit {unit!r}")
        by_unit[unit][rater] = value
    return by_unit


def _scale(seen: set[Hashable], domain: Iterable[Hashable] | None, level: str) -> list[Hashable]:
    if domain is not None:
        outside = seen.difference(domain)
        if outside:
            raise ValueError(f"values outside the scale: {sorted(map(str, outside))}")
        return list(domain)
    if level == "nominal":
        # Nominal values have no order; sort by text only so that the result never depends on input order.
        return sorted(seen, key=str)
    return sorted(seen)  # type: ignore[type-var]
