"""Must-have coverage: Spearman-Brown, the warning thresholds, the pack's must-haves and reliability."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from bot.services.agreement import Agreement, Verdict
from bot.services.coverage import Coverage, coverage, measured_reliability, planned_raters, spearman_brown
from handlers.builders.measures import coverage_blocks
from rubrics.loader import PACKS_DIR, RubricError, RubricRegistry, load_pack

PACK = RubricRegistry.from_directory().get("ml-engineer")


@pytest.mark.parametrize(
    ("r", "k", "expected"),
    [
        (0.44, 1, 0.44),  # one rater is just the single-rater reliability
        (0.44, 2, 0.88 / 1.44),
        (0.44, 3, 1.32 / 1.88),
        (0.5, 4, 0.8),
        (0.7, 0, 0.0),
        (0.0, 5, 0.0),  # no agreement at all stays at none, however many raters
        (1.0, 3, 1.0),
    ],
)
def test_spearman_brown(r: float, k: int, expected: float) -> None:
    assert spearman_brown(r, k) == pytest.approx(expected)


def test_spearman_brown_refuses_what_is_not_a_reliability() -> None:
    with pytest.raises(ValueError):
        spearman_brown(1.2, 2)
    with pytest.raises(ValueError):
        spearman_brown(0.5, -1)


def row(raters: int, r: float = 0.44, threshold: float = 0.70) -> Coverage:
    return Coverage("k", "K", raters, r, False, spearman_brown(r, raters), threshold)


def test_the_thresholds() -> None:
    assert row(1, r=0.9).too_few_raters and row(1, r=0.9).warning  # reliable, but one person
    assert not row(2).too_few_raters and row(2).below_threshold  # .61 < .70
    assert not row(3).warning  # .702: just over .70
    assert row(3, threshold=0.75).warning
    assert row(0).warning and row(0).reliability == 0


def test_the_plan_counts_distinct_people_on_the_stages_that_assess_a_competency() -> None:
    plan = [("coding_round", "U1"), ("ml_system_design", "U1"), ("ml_system_design", "U2"), ("gone_stage", "U3")]
    raters = planned_raters(PACK, plan)
    assert raters["data_pipelines"] == {"U1", "U2"}  # U1 twice is still one opinion
    assert raters["software_engineering"] == {"U1"}
    assert "U3" not in set().union(*raters.values())


def test_measured_reliability_comes_from_alpha_and_a_negative_alpha_counts_as_none() -> None:
    def agreement(name: str, alpha: float | None) -> Agreement:
        return Agreement(name, "ordinal", alpha, 12, 30, 5, Verdict.TENTATIVE)

    measured = measured_reliability(
        [agreement("ml-engineer/data_pipelines", 0.6), agreement("x/collaboration", -0.2), agreement("y", None)]
    )
    assert measured == {"data_pipelines": 0.6, "collaboration": 0.0}


def test_coverage_lists_the_profiles_must_haves_with_measured_or_default_reliability() -> None:
    plan = planned_raters(PACK, [("coding_round", "U1"), ("ml_system_design", "U2"), ("model_deep_dive", "U3")])
    rows = {r.key: r for r in coverage(PACK, "balanced", plan, {"data_pipelines": 0.8})}
    assert list(rows) == PACK.profile("balanced").must_have
    assert rows["software_engineering"].raters == 1 and rows["software_engineering"].too_few_raters
    assert rows["data_pipelines"].measured and rows["data_pipelines"].reliability == pytest.approx(1.6 / 1.8)
    assert not rows["evaluation_metrics"].measured and rows["evaluation_metrics"].single_rater == 0.44
    assert rows["evaluation_metrics"].below_threshold  # 2 raters at the default .44: .61
    assert coverage(PACK, "a_profile_that_left", plan, {}) == []


def test_the_card_section_says_which_must_haves_are_short() -> None:
    plan = planned_raters(PACK, [("coding_round", "U1"), ("ml_system_design", "U2"), ("model_deep_dive", "U3")])
    blocks = coverage_blocks(coverage(PACK, "balanced", plan, {}), "planned")
    text = blocks[0]["text"]["text"]
    assert "Software engineering: 1 rater → *0.44* (r=0.44, pack default) ⚠️ fewer than 2 raters, below 0.70" in text
    assert "⚠️ 4 must-have competencies short of a trustworthy mean" in text
    assert coverage_blocks([], "planned") == []


# The pack's must-haves and reliability are checked like the rest of it.


@pytest.fixture
def raw_pack() -> dict:
    return yaml.safe_load((PACKS_DIR / "ml-engineer.yaml").read_text(encoding="utf-8"))


def rubric_error(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "broken-pack.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_pack(path)
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_every_shipped_profile_has_must_haves_and_the_pack_its_reliability() -> None:
    assert all(profile.must_have for profile in PACK.profiles)
    assert (PACK.reliability.default_single_rater, PACK.reliability.threshold) == (0.44, 0.70)


def test_an_unknown_must_have_is_reported_at_its_field(tmp_path: Path, raw_pack: dict) -> None:
    data = copy.deepcopy(raw_pack)
    data["profiles"][1]["must_have"].append("kaggle_rank")
    message = rubric_error(tmp_path, data)
    assert "profiles[1](infrastructure_heavy).must_have: unknown competencies ['kaggle_rank']" in message


def test_a_must_have_listed_twice(tmp_path: Path, raw_pack: dict) -> None:
    data = copy.deepcopy(raw_pack)
    data["profiles"][0]["must_have"] += data["profiles"][0]["must_have"][:1]
    assert "profiles[0](modelling_heavy).must_have: lists the same competency twice" in rubric_error(tmp_path, data)


@pytest.mark.parametrize(("field", "value"), [("threshold", 1.5), ("default_single_rater", 0), ("typo", 0.5)])
def test_a_bad_reliability_setting(tmp_path: Path, raw_pack: dict, field: str, value: float) -> None:
    data = copy.deepcopy(raw_pack)
    data["reliability"][field] = value
    assert f"reliability.{field}" in rubric_error(tmp_path, data)
