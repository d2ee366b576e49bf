"""Rubric packs: the shipped ML engineer pack, the strict models, and the loader's error messages."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot import cli
from rubrics.loader import PACKS_DIR, RubricError, RubricRegistry, load_pack
from rubrics.models import OPTION_TEXT_MAX, Recommendation, RubricPack

PACK_FILE = PACKS_DIR / "ml-engineer.yaml"

STAGE_ORDER = [
    "recruiter_screen",
    "coding_round",
    "ml_system_design",
    "model_deep_dive",
    "collaboration_communication",
    "hiring_manager_close",
]


@pytest.fixture(scope="module")
def pack() -> RubricPack:
    return load_pack(PACK_FILE)


@pytest.fixture(scope="module")
def raw_pack() -> dict:
    return yaml.safe_load(PACK_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def restore_logging() -> None:
    saved = {name: logging.getLogger(name).level for name in ("slack_sdk", "slack_bolt")}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def broken(tmp_path: Path, raw_pack: dict) -> Callable[[Callable[[dict], None]], Path]:
    """Write a copy of the shipped pack, changed by `edit`, and return its path."""

    def write(edit: Callable[[dict], None]) -> Path:
        data = copy.deepcopy(raw_pack)
        edit(data)
        path = tmp_path / "broken-pack.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


def rubric_error(path: Path) -> str:
    with pytest.raises(RubricError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert str(path) in message, "the message must name the file"
    return message


def stage_index(data: dict, key: str) -> int:
    return next(i for i, s in enumerate(data["stages"]) if s["key"] == key)


# The shipped pack.


def test_the_shipped_pack_loads(pack: RubricPack) -> None:
    assert pack.pack == "ml-engineer"
    assert pack.ref == f"ml-engineer@{pack.version}"
    assert pack.recommendation_scale == list(Recommendation)


def test_six_stages_in_loop_order(pack: RubricPack) -> None:
    assert [s.key for s in pack.stages] == STAGE_ORDER


def test_nine_competencies_and_three_profiles(pack: RubricPack) -> None:
    assert len(pack.competencies) == 9
    assert [p.key for p in pack.profiles] == ["modelling_heavy", "infrastructure_heavy", "balanced"]


def test_every_stage_fits_one_checkbox_group(pack: RubricPack) -> None:
    for stage in pack.stages:
        assert len(stage.red_flags) <= 10, stage.key


def test_anchor_and_flag_texts_fit_slack_options(pack: RubricPack) -> None:
    assert OPTION_TEXT_MAX == 75
    for competency in pack.competencies:
        assert sorted(competency.anchors) == [1, 2, 3, 4]
        for text in competency.anchors.values():
            assert len(text) <= 75, (competency.key, text)
    for flag in pack.red_flags:
        assert len(flag.label) <= 75, flag.key
        assert len(flag.description) <= 75, flag.key


def test_the_stages_cover_every_competency(pack: RubricPack) -> None:
    covered = {key for stage in pack.stages for key in stage.competencies}
    assert covered == {c.key for c in pack.competencies}


def test_every_red_flag_is_used_by_some_stage(pack: RubricPack) -> None:
    used = {key for stage in pack.stages for key in stage.red_flags}
    assert used == {f.key for f in pack.red_flags}


def test_the_loop_target_is_four_to_six_weeks(pack: RubricPack) -> None:
    assert (pack.loop_target.min_weeks, pack.loop_target.max_weeks) == (4, 6)


@pytest.mark.parametrize(
    "word",
    [
        "deployed",
        "leakage",
        "drift",
        "state-of-the-art",
        "fundamentals",
        "business",
        "algorithm",
        "framework",
        "lone wolf",
    ],
)
def test_the_red_flags_of_the_spec_exist(pack: RubricPack, word: str) -> None:
    assert any(word in flag.label.lower() for flag in pack.red_flags), word


def test_lookups_resolve_stage_references(pack: RubricPack) -> None:
    names = [c.key for c in pack.stage_competencies("coding_round")]
    assert names == ["software_engineering", "data_pipelines"]
    assert [f.key for f in pack.stage_red_flags("recruiter_screen")][0] == "never_shipped"
    with pytest.raises(KeyError):
        pack.stage("no_such_stage")


def test_the_registry_serves_installed_packs_and_refuses_unknown_ones(pack: RubricPack) -> None:
    registry = RubricRegistry.from_directory()
    assert registry.get("ml-engineer") == pack
    with pytest.raises(RubricError, match="no-such-pack"):
        registry.get("no-such-pack")


def test_the_registry_refuses_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="no rubric packs"):
        RubricRegistry.from_directory(tmp_path)


# Broken copies are refused with the file and the field named.


def test_an_eleventh_red_flag_on_a_stage(broken: Callable, raw_pack: dict) -> None:
    def edit(data: dict) -> None:
        stage = data["stages"][stage_index(data, "model_deep_dive")]
        spare = [f["key"] for f in data["red_flags"] if f["key"] not in stage["red_flags"]]
        stage["red_flags"] += spare[: 11 - len(stage["red_flags"])]
        assert len(stage["red_flags"]) == 11

    message = rubric_error(broken(edit))
    assert "stages[" in message
    assert "model_deep_dive" in message
    assert "red_flags" in message
    assert "at most 10" in message


def test_an_anchor_too_long_for_a_slack_option(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["competencies"][2]["anchors"][3] = "x" * 80

    message = rubric_error(broken(edit))
    assert "competencies[2]" in message
    assert "anchors" in message
    assert "75" in message


def test_a_red_flag_label_too_long(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["red_flags"][0]["label"] = "y" * 76

    message = rubric_error(broken(edit))
    assert "red_flags[0]" in message and "label" in message


def test_a_missing_anchor(broken: Callable) -> None:
    def edit(data: dict) -> None:
        del data["competencies"][0]["anchors"][4]

    message = rubric_error(broken(edit))
    assert "anchors" in message and "1-4" in message


def test_a_stage_naming_an_unknown_competency(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["stages"][stage_index(data, "coding_round")]["competencies"].append("kaggle_rank")

    message = rubric_error(broken(edit))
    assert "coding_round" in message
    assert "kaggle_rank" in message


def test_an_unknown_competency_is_reported_at_the_stage_field(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["stages"][stage_index(data, "coding_round")]["competencies"].append("kaggle_rank")

    message = rubric_error(broken(edit))
    assert "stages[1](coding_round).competencies" in message
    assert "Value error" not in message


def test_a_stage_naming_an_unknown_red_flag(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["stages"][stage_index(data, "coding_round")]["red_flags"].append("likes_tabs")

    message = rubric_error(broken(edit))
    assert "coding_round" in message and "likes_tabs" in message


def test_an_unknown_top_level_key(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["red_flag"] = []  # a typo for red_flags must not pass silently

    message = rubric_error(broken(edit))
    assert "red_flag:" in message
    assert "Extra inputs are not permitted" in message


def test_an_unknown_key_inside_a_stage(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["stages"][0]["redflags"] = ["lone_wolf"]

    message = rubric_error(broken(edit))
    assert "stages[0](recruiter_screen).redflags" in message


def test_a_missing_version(broken: Callable) -> None:
    def edit(data: dict) -> None:
        del data["version"]

    message = rubric_error(broken(edit))
    assert "version" in message
    assert "required" in message.lower()


def test_a_version_of_yes_is_refused_not_read_as_1(broken: Callable) -> None:
    path = broken(lambda data: None)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nversion: 1\n", "\nversion: yes\n", 1), encoding="utf-8")
    assert "version: yes" in path.read_text(encoding="utf-8")
    message = rubric_error(path)
    assert "version: Input should be a valid integer" in message
    assert "write a number" in message


def test_a_duplicate_competency_key(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["competencies"].append(copy.deepcopy(data["competencies"][0]))

    message = rubric_error(broken(edit))
    assert "defined twice" in message and "software_engineering" in message


def test_unquoted_yes_and_no_are_explained(tmp_path: Path) -> None:
    text = PACK_FILE.read_text(encoding="utf-8")
    quoted = 'recommendation_scale: [strong_no, "no", "yes", strong_yes]'
    assert quoted in text
    path = tmp_path / "bare-yes-no.yaml"
    path.write_text(text.replace(quoted, "recommendation_scale: [strong_no, no, yes, strong_yes]"), encoding="utf-8")

    message = rubric_error(path)
    assert "recommendation_scale" in message
    assert "quotes" in message


def test_not_yaml_at_all(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("pack: [unclosed\n", encoding="utf-8")
    assert "not valid YAML" in rubric_error(path)


def test_a_missing_file(tmp_path: Path) -> None:
    assert "no such rubric pack" in rubric_error(tmp_path / "nope.yaml")


def test_the_shipped_pack_declares_its_decision_rule(pack: RubricPack) -> None:
    rule = pack.decision_rule
    assert rule is not None
    assert rule.block_on_strong_no and rule.min_scorecards == 4 and rule.min_profile_fit == 2.5
    assert set(rule.blocking_flags) <= {f.key for f in pack.red_flags}


def test_a_pack_may_declare_no_decision_rule(broken: Callable) -> None:
    def edit(data: dict) -> None:
        del data["decision_rule"]

    assert load_pack(broken(edit)).decision_rule is None


def test_a_blocking_flag_the_pack_does_not_define(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["decision_rule"]["blocking_flags"].append("wears_sandals")

    message = rubric_error(broken(edit))
    assert "decision_rule.blocking_flags: unknown red flags ['wears_sandals']" in message


def test_a_profile_fit_off_the_rating_scale(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["decision_rule"]["min_profile_fit"] = 4.5

    message = rubric_error(broken(edit))
    assert "decision_rule.min_profile_fit" in message and "4" in message


def test_a_zero_scorecard_minimum(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["decision_rule"]["min_scorecards"] = 0

    assert "decision_rule.min_scorecards" in rubric_error(broken(edit))


def test_a_blocking_flag_listed_twice(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["decision_rule"]["blocking_flags"] *= 2

    message = rubric_error(broken(edit))
    assert "decision_rule.blocking_flags" in message and "twice" in message


def test_a_typo_inside_the_decision_rule(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["decision_rule"]["block_on_strong_nos"] = True

    message = rubric_error(broken(edit))
    assert "decision_rule.block_on_strong_nos" in message and "Extra inputs are not permitted" in message


def test_a_decision_rule_that_can_never_say_no(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["decision_rule"] = {"min_scorecards": 3}

    message = rubric_error(broken(edit))
    assert "decision_rule" in message and "no clause" in message


# `hirebot rubrics check`.


def test_cli_check_prints_the_loop(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    status = cli.main(["rubrics", "check", str(PACK_FILE)])
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    numbered = [line.strip() for line in lines if line.strip()[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(numbered) == 6
    for number, (line, key) in enumerate(zip(numbered, STAGE_ORDER, strict=True), 1):
        assert line.startswith(f"{number}. ") and f"[{key}]" in line
    assert sum(line.strip().startswith("competencies:") for line in lines) == 6
    assert sum(line.strip().startswith("red flags:") for line in lines) == 6
    assert "Software engineering" in out and "Lone wolf" in out


def test_cli_check_relative_path_from_the_repo_root(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, restore_logging: None
) -> None:
    monkeypatch.chdir(PACKS_DIR.parents[1])
    assert cli.main(["rubrics", "check", "rubrics/packs/ml-engineer.yaml"]) == 0
    assert "6 stages" in capsys.readouterr().out


def test_cli_check_of_a_broken_pack_exits_2_naming_the_field(
    broken: Callable, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    def edit(data: dict) -> None:
        data["stages"][1]["duration_minutes"] = 5

    path = broken(edit)
    status = cli.main(["rubrics", "check", str(path)])
    out, err = capsys.readouterr()
    assert status == 2
    assert "stages[1](coding_round).duration_minutes" in err
    assert str(path) in err
    assert "Traceback" not in err
    assert "stages" not in out


def test_a_stage_name_falls_back_to_its_key_once_it_has_left_the_yaml(pack: RubricPack) -> None:
    assert pack.stage_name("coding_round") == "Coding round"
    assert pack.stage_name("retired_stage") == "retired_stage"


# Evidence rules: how much evidence a pack asks for, and the phrases it nudges about.


def test_the_shipped_pack_asks_evidence_for_every_rating_and_lists_vague_phrases(pack: RubricPack) -> None:
    assert pack.evidence_required == "all"
    phrases = {p.phrase for p in pack.vague_phrases}
    assert {"culture fit", "smart", "seems", "I feel", "not a fit", "rockstar"} <= phrases
    assert all(p.hint for p in pack.vague_phrases)


def test_a_pack_without_evidence_rules_asks_for_the_extremes_and_nudges_only_on_length(broken: Callable) -> None:
    def edit(data: dict) -> None:
        for key in ("evidence_required", "vague_phrases", "min_evidence_words"):
            data.pop(key, None)

    loaded = load_pack(broken(edit))
    assert (loaded.evidence_required, loaded.vague_phrases, loaded.min_evidence_words) == ("extremes", [], 6)


def test_an_unknown_evidence_rule_names_the_field(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["evidence_required"] = "some"

    message = rubric_error(broken(edit))
    assert "evidence_required" in message and "'all'" in message and "'extremes'" in message


def test_a_vague_phrase_listed_twice_names_the_field(broken: Callable) -> None:
    def edit(data: dict) -> None:
        data["vague_phrases"].append({"phrase": "Culture  Fit", "hint": "Again."})

    message = rubric_error(broken(edit))
    assert f"vague_phrases[{len(load_pack(PACK_FILE).vague_phrases)}].phrase" in message and "twice" in message


def test_a_vague_phrase_without_a_hint_names_the_field(broken: Callable) -> None:
    def edit(data: dict) -> None:
        del data["vague_phrases"][0]["hint"]

    message = rubric_error(broken(edit))
    assert "vague_phrases[0].hint" in message and "required" in message.lower()
