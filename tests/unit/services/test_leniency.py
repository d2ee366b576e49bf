"""Leniency: the interval arithmetic on hand-checkable data, and a simulation with known truths."""

from __future__ import annotations

import math
import random

import pytest

from bot.services.agreement import Observation
from bot.services.leniency import MIN_CANDIDATES, Rating, differences, estimate, from_panel

# Student's t, 97.5th percentile, from printed tables: the 95% two-sided interval's multiplier.
T975 = {1: 12.706205, 4: 2.776445, 5: 2.570582}


def pair(candidate: str, competency: str, who: str, theirs: float, mate: str, mates: float) -> list[Rating]:
    return [Rating(candidate, competency, who, theirs), Rating(candidate, competency, mate, mates)]


def by_id(rows):
    return {r.interviewer_id: r for r in rows}


def test_the_difference_is_from_the_mean_of_the_other_raters_of_the_same_thing():
    ratings = [Rating("c1", "coding", "A", 4), Rating("c1", "coding", "B", 2), Rating("c1", "coding", "C", 3)]
    ratings += [Rating("c1", "design", "A", 3)]  # nobody else rated design: no comparison
    diffs = differences(ratings)
    assert diffs["A"]["c1"] == [4 - 2.5]
    assert diffs["B"]["c1"] == [2 - 3.5]
    assert diffs["C"]["c1"] == [0.0]


def test_the_interval_is_the_t_interval_over_candidates():
    offsets = [1.0, 0.5, 1.5, 1.0, 0.0]
    ratings = [r for i, d in enumerate(offsets) for r in pair(f"c{i}", "coding", "A", 2 + d, "B", 2)]
    row = by_id(estimate(ratings))["A"]
    mean = sum(offsets) / 5
    sd = math.sqrt(sum((d - mean) ** 2 for d in offsets) / 4)
    half = T975[4] * sd / math.sqrt(5)
    assert row.estimate == pytest.approx(0.8)
    assert (row.low, row.high) == (pytest.approx(mean - half, abs=1e-5), pytest.approx(mean + half, abs=1e-5))
    assert row.low > 0 and row.shown and row.direction == "above"
    assert by_id(estimate(ratings))["B"].high < 0  # the panel mate is the mirror image


def test_ratings_on_one_candidate_count_as_one_observation():
    # Nine competencies on one candidate are one impression, not nine independent data points.
    ratings = [r for k in range(9) for r in pair("c0", f"k{k}", "A", 4, "B", 2)]
    ratings += [r for i in range(1, 6) for r in pair(f"c{i}", "k0", "A", 2, "B", 2)]
    row = by_id(estimate(ratings))["A"]
    assert row.candidates == 6 and row.differences == 14
    assert row.estimate == pytest.approx(2 / 6)  # not 18/14: the first candidate weighs like the others
    assert not row.shown


def test_an_interval_that_includes_zero_or_too_few_candidates_is_not_shown():
    noisy = [r for i, d in enumerate([1, -1, 0.5, -0.5, 0.5, 0]) for r in pair(f"c{i}", "k", "A", 2 + d, "B", 2)]
    row = by_id(estimate(noisy))["A"]
    assert row.enough_data and row.low < 0 < row.high and not row.shown
    few = [r for i in range(MIN_CANDIDATES - 1) for r in pair(f"c{i}", "k", "A", 4, "B", 1)]
    row = by_id(estimate(few))["A"]
    assert row.estimate == 3 and not row.enough_data and not row.shown
    single = by_id(estimate(pair("c", "k", "A", 4, "B", 1)))["A"]
    assert math.isnan(single.low) and not single.shown


def test_a_second_rating_of_the_same_thing_is_a_callers_bug():
    with pytest.raises(ValueError, match="twice"):
        estimate([Rating("c", "k", "A", 3), Rating("c", "k", "A", 4)])


def test_panel_ratings_are_read_per_competency():
    ratings = from_panel({"ml-engineer/coding": [Observation(7, "U1", 3), Observation(7, "U2", 2)]})
    assert ratings == [Rating(7, "ml-engineer/coding", "U1", 3.0), Rating(7, "ml-engineer/coding", "U2", 2.0)]


def simulate(seed: int, leniency: list[float], candidates: int = 200, panel: int = 4) -> list[Rating]:
    """Candidates of varying ability, each seen by a random panel from the pool on the competencies
    of their stages; each rating is ability + the rater's leniency + the rater's overall impression
    of that candidate (shared by all their ratings of them) + noise, on hirebot's 1-4 scale."""
    rng = random.Random(seed)
    pool = [f"U{i:02d}" for i in range(len(leniency))]
    ratings = []
    for c in range(candidates):
        ability = rng.gauss(2.5, 0.5)
        for who in rng.sample(range(len(pool)), panel):
            impression = rng.gauss(0, 0.3)
            for k in rng.sample(range(6), 3):  # each interviewer rates 3 of 6 competencies
                true_score = ability + 0.2 * (k - 2.5) / 2.5
                raw = true_score + leniency[who] + impression + rng.gauss(0, 0.4)
                ratings.append(Rating(c, f"k{k}", pool[who], min(4, max(1, round(raw)))))
    return ratings


def test_simulated_intervals_cover_the_true_leniencies_at_about_the_nominal_rate():
    """200 candidates, 12 interviewers with known leniencies and noise; repeated 25 times.

    Leniency is relative to panel mates: interviewer i's expected difference is their own leniency
    minus the mean leniency of the others in the pool (panels are drawn at random)."""
    truth = [-0.5, -0.35, -0.25, -0.15, -0.05, 0.0, 0.0, 0.05, 0.15, 0.25, 0.35, 0.5]
    expected = {f"U{i:02d}": b - (sum(truth) - b) / (len(truth) - 1) for i, b in enumerate(truth)}
    covered = total = flagged_right = 0
    for seed in range(25):
        for row in estimate(simulate(seed, truth)):
            total += 1
            covered += row.low <= expected[row.interviewer_id] <= row.high
            flagged_right += row.shown and abs(expected[row.interviewer_id]) >= 0.35
    assert total == 25 * 12
    rate = covered / total
    # 94.0% with these seeds (a binomial standard error is about 1.3 points). Treating every
    # difference as independent, instead of one observation per candidate, covers only 90.3%:
    # an interviewer's impression of a candidate colours all their ratings of them.
    assert 0.92 <= rate <= 0.98, rate
    assert flagged_right >= 0.9 * 25 * 4  # the four clearly lenient or harsh are named nearly always
