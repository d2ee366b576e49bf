"""Krippendorff's alpha per competency: published worked examples, the thresholds, the minimum-data
rule, and a simulated panel whose agreement must fall as its noise rises."""

from __future__ import annotations

import pytest

from bot.services.agreement import (
    MIN_UNITS,
    Observation,
    Verdict,
    measure,
    measure_each,
    needs_work,
    verdict_for,
)
from tests.support.panels import (
    KRIPPENDORFF_2011_A,
    KRIPPENDORFF_2011_B,
    KRIPPENDORFF_2011_C,
    WIKIPEDIA_EXAMPLE,
    observations,
    simulated_panel,
)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example_with_missing_values(level, published):
    result = measure("2011-C", observations(KRIPPENDORFF_2011_C), level)
    assert round(result.alpha, 3) == published
    assert result.units == 11  # unit 12 has one value: it cannot be paired
    assert result.pairable == 40  # Krippendorff's n.. for this table
    assert result.raters == 4


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.691), ("interval", 0.811)])
def test_wikipedia_example_with_sparse_raters(level, published):
    result = measure("wikipedia", observations(WIKIPEDIA_EXAMPLE), level)
    assert round(result.alpha, 3) == published
    assert result.units == 12 and result.pairable == 26


def test_krippendorff_2011_nominal_letters():
    result = measure("2011-B", observations(KRIPPENDORFF_2011_B), "nominal")
    assert round(result.alpha, 3) == 0.692


def test_krippendorff_2011_binary_two_observers():
    result = measure("2011-A", observations(KRIPPENDORFF_2011_A), "nominal")
    assert round(result.alpha, 3) == 0.095
    assert result.verdict is Verdict.UNRELIABLE and (result.units, result.pairable) == (10, 20)


def test_an_unrated_value_on_the_scale_does_not_change_ordinal_alpha():
    """hirebot passes the whole 1-4 scale; a scale value nobody used must not move the result."""
    data = observations(KRIPPENDORFF_2011_C)
    assert measure("x", data, "ordinal", domain=[0, 1, 2, 3, 4, 5, 6]).alpha == pytest.approx(
        measure("x", data, "ordinal").alpha
    )


def test_input_order_does_not_matter():
    data = observations(KRIPPENDORFF_2011_C)
    assert measure("x", list(reversed(data)), "ordinal").alpha == pytest.approx(measure("x", data, "ordinal").alpha)


@pytest.mark.parametrize(
    ("alpha", "verdict"),
    [
        (1.0, Verdict.RELIABLE),
        (0.800, Verdict.RELIABLE),
        (0.7999, Verdict.TENTATIVE),
        (0.667, Verdict.TENTATIVE),
        (0.6669, Verdict.UNRELIABLE),
        (0.0, Verdict.UNRELIABLE),
        (-0.3, Verdict.UNRELIABLE),
    ],
)
def test_thresholds_follow_krippendorff_2004(alpha, verdict):
    assert verdict_for(alpha) is verdict


def _panel(units: int, raters_per_unit: int = 2, agree: bool = True) -> list[Observation]:
    return [
        Observation(unit, f"r{rater}", (unit % 4 + 1) if agree or rater == 0 else ((unit + 2) % 4 + 1))
        for unit in range(units)
        for rater in range(raters_per_unit)
    ]


def test_fewer_than_the_minimum_units_with_two_raters_is_not_enough_data():
    lonely = [Observation(100 + i, "solo", 1 + i % 4) for i in range(50)]  # rated once: never pairable
    short = measure("c", _panel(MIN_UNITS - 1) + lonely)
    assert short.alpha is None and short.verdict is Verdict.NOT_ENOUGH_DATA
    assert short.units == MIN_UNITS - 1 and short.pairable == 2 * (MIN_UNITS - 1)
    enough = measure("c", _panel(MIN_UNITS) + lonely)
    assert enough.alpha == 1.0 and enough.verdict is Verdict.RELIABLE and enough.units == MIN_UNITS


def test_identical_ratings_everywhere_have_no_alpha():
    same = [Observation(unit, rater, 3) for unit in range(20) for rater in ("a", "b")]
    result = measure("c", same, domain=[1, 2, 3, 4])
    assert result.alpha is None and result.verdict is Verdict.NO_VARIATION


def test_a_rater_with_two_values_for_one_unit_is_refused():
    with pytest.raises(ValueError, match="two values"):
        measure("c", [Observation(1, "a", 1), Observation(1, "a", 2), Observation(1, "b", 2)])


def test_values_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="outside the scale"):
        measure("c", _panel(MIN_UNITS) + [Observation(0, "r9", 5)], domain=[1, 2, 3, 4])


def test_each_competency_is_measured_on_its_own_and_weak_ones_are_named():
    results = measure_each({"steady": _panel(12), "split": _panel(12, agree=False)}, "ordinal")
    assert [r.name for r in results] == ["steady", "split"]
    assert results[0].verdict is Verdict.RELIABLE
    assert results[1].alpha < 0 and results[1].verdict is Verdict.UNRELIABLE
    assert [r.name for r in needs_work(results)] == ["split"]


def test_simulated_alpha_falls_as_interviewer_noise_rises():
    noises = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
    results = [measure(f"noise {n}", simulated_panel(n), "ordinal", domain=[1, 2, 3, 4]) for n in noises]
    alphas = [r.alpha for r in results]
    assert alphas[0] == 1.0  # no noise: every interviewer gives the same rating
    assert all(a > b for a, b in zip(alphas, alphas[1:], strict=False)), alphas
    assert results[1].verdict is Verdict.RELIABLE
    assert results[-1].verdict is Verdict.UNRELIABLE and alphas[-1] < 0.2
    assert all(r.units == 200 and r.pairable == 600 for r in results)
