"""The shape of a rubric pack, and the rules a pack must obey to render in Slack.

A pack is data reviewed in git, so the models are strict: unknown keys are refused
(a typo in YAML must not silently drop a red flag), and every string that ends up as a
Slack option is bounded by Slack's own limits.
"""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

# Slack limits that bind pack content (see DESIGN.md).
OPTION_TEXT_MAX = 75  # radio/checkbox option text and description
MAX_CHECKBOX_OPTIONS = 10  # red flags per stage are rendered as one checkbox group
RATINGS = (1, 2, 3, 4)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PackKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
OptionText = Annotated[str, StringConstraints(min_length=1, max_length=OPTION_TEXT_MAX, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]
Question = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]


class Recommendation(enum.StrEnum):
    """The overall call an interviewer makes. There is deliberately no neutral option."""

    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"

    @property
    def label(self) -> str:
        return _RECOMMENDATION_LABELS[self]


_RECOMMENDATION_LABELS = {
    Recommendation.STRONG_NO: "Strong No",
    Recommendation.NO: "No",
    Recommendation.YES: "Yes",
    Recommendation.STRONG_YES: "Strong Yes",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Competency(_Strict):
    key: Key
    name: ShortText
    description: LongText
    # One short anchor per rating; it is shown as the radio option's description.
    anchors: dict[int, OptionText]

    @field_validator("anchors")
    @classmethod
    def _four_anchors(cls, anchors: dict[int, str]) -> dict[int, str]:
        if sorted(anchors) != list(RATINGS):
            raise ValueError(f"needs exactly one anchor for each rating 1-4, got {sorted(anchors)}")
        return anchors


class RedFlag(_Strict):
    key: Key
    label: OptionText
    description: OptionText


class Stage(_Strict):
    key: Key
    name: ShortText
    duration_minutes: int = Field(ge=10, le=480)
    competencies: list[Key] = Field(min_length=1, max_length=9)
    focus_questions: list[Question] = Field(min_length=1, max_length=6)
    red_flags: list[Key] = Field(default_factory=list)

    @field_validator("red_flags")
    @classmethod
    def _fits_one_checkbox_group(cls, flags: list[str]) -> list[str]:
        if len(flags) > MAX_CHECKBOX_OPTIONS:
            raise ValueError(
                f"at most {MAX_CHECKBOX_OPTIONS} red flags per stage "
                f"(Slack checkboxes hold {MAX_CHECKBOX_OPTIONS} options), got {len(flags)}"
            )
        if len(set(flags)) != len(flags):
            raise ValueError("lists the same red flag twice")
        return flags

    @field_validator("competencies")
    @classmethod
    def _unique_competencies(cls, keys: list[str]) -> list[str]:
        if len(set(keys)) != len(keys):
            raise ValueError("lists the same competency twice")
        return keys


class Profile(_Strict):
    key: Key
    name: ShortText
    description: LongText
    # Relative weight of each competency in the profile-fit score; omitted means 1.0.
    weights: dict[Key, float] = Field(default_factory=dict)
    # Competencies a hire must be strong in: the loop card checks the plan gives each enough raters.
    must_have: list[Key] = Field(default_factory=list)

    @field_validator("must_have")
    @classmethod
    def _unique_must_haves(cls, keys: list[str]) -> list[str]:
        if len(set(keys)) != len(keys):
            raise ValueError("lists the same competency twice")
        return keys

    @field_validator("weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        bad = {k: w for k, w in weights.items() if not 0 < w <= 5}
        if bad:
            raise ValueError(f"weights must be in (0, 5], got {bad}")
        return weights

    def weight(self, competency_key: str) -> float:
        return self.weights.get(competency_key, 1.0)


class VaguePhrase(_Strict):
    """Wording that reads as an impression rather than evidence, and what to write instead."""

    phrase: Annotated[str, StringConstraints(min_length=2, max_length=40, strip_whitespace=True)]
    hint: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class LoopTarget(_Strict):
    min_weeks: int = Field(ge=1, le=26)
    max_weeks: int = Field(ge=1, le=26)

    @model_validator(mode="after")
    def _ordered(self) -> LoopTarget:
        if self.min_weeks > self.max_weeks:
            raise ValueError("min_weeks is after max_weeks")
        return self


class Reliability(_Strict):
    """How far one interviewer's rating can be trusted, until the panel's own data says otherwise."""

    # Single-rater reliability assumed for a competency with too little data to measure: .44 is the
    # interrater reliability of separate interviews (Huffcutt, Culbertson & Weyhrauch 2013).
    default_single_rater: float = Field(default=0.44, gt=0, lt=1)
    # The loop card warns when the mean of a must-have's planned raters projects below this.
    threshold: float = Field(default=0.70, gt=0, lt=1)


class DecisionRule(_Strict):
    """What the pack's debrief rule asks of a loop. The pre-read states what it says, as advice
    to the people deciding: a declared formula predicts better than a room's holistic judgement,
    but hirebot never decides."""

    min_scorecards: int | None = Field(default=None, ge=1, le=50)
    min_profile_fit: float | None = Field(default=None, ge=1, le=4)  # on the 1-4 rating scale
    block_on_strong_no: bool = False
    blocking_flags: list[Key] = Field(default_factory=list)  # red flags that say "no hire" on their own

    @field_validator("blocking_flags")
    @classmethod
    def _unique_flags(cls, flags: list[str]) -> list[str]:
        if len(set(flags)) != len(flags):
            raise ValueError("lists the same red flag twice")
        return flags

    @model_validator(mode="after")
    def _says_something(self) -> DecisionRule:
        if self.min_profile_fit is None and not self.block_on_strong_no and not self.blocking_flags:
            raise ValueError(
                "declares no clause that could say no hire: set min_profile_fit, block_on_strong_no "
                "or blocking_flags (or remove decision_rule)"
            )
        return self


class Training(_Strict):
    """How many practice interviews make a trainee ready for a stage: then recruiters are offered *Mark trained*."""

    shadows: int = Field(ge=0, le=20, strict=True)  # watching a trained interviewer lead
    reverse_shadows: int = Field(ge=0, le=20, strict=True)  # leading while a trained interviewer observes

    @model_validator(mode="after")
    def _some_practice(self) -> Training:
        if self.shadows + self.reverse_shadows == 0:
            raise ValueError("asks for no practice at all: set shadows or reverse_shadows above 0 (or remove training)")
        return self


class RubricPack(_Strict):
    """A role's interview loop: stages, what each stage assesses, and what to watch for."""

    pack: PackKey
    # Strict: YAML reads `version: yes` as true, which pydantic would otherwise take as 1.
    version: int = Field(ge=1, strict=True)
    role: ShortText
    description: LongText
    loop_target: LoopTarget
    recommendation_scale: list[Recommendation]
    competencies: list[Competency] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(default_factory=list)
    profiles: list[Profile] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1, max_length=12)
    decision_rule: DecisionRule | None = None  # None: the pre-read states no rule
    # Which ratings need written evidence: every one, or only the ends of the scale (1 and 4).
    evidence_required: Literal["all", "extremes"] = "extremes"
    # Evidence without a behavioural word and shorter than this reads as an impression.
    min_evidence_words: int = Field(default=6, ge=1, le=40)
    vague_phrases: list[VaguePhrase] = Field(default_factory=list, max_length=60)
    reliability: Reliability = Field(default_factory=Reliability)
    training: Training | None = None  # None: trainees are never offered graduation

    @field_validator("recommendation_scale")
    @classmethod
    def _whole_scale(cls, scale: list[Recommendation]) -> list[Recommendation]:
        if scale != list(Recommendation):
            wanted = ", ".join(r.value for r in Recommendation)
            raise ValueError(f"must be exactly [{wanted}] in that order")
        return scale

    @model_validator(mode="after")
    def _references_resolve(self) -> RubricPack:
        _unique("competencies", [c.key for c in self.competencies])
        _unique("red_flags", [f.key for f in self.red_flags])
        _unique("profiles", [p.key for p in self.profiles])
        _unique("stages", [s.key for s in self.stages])
        _unique_phrases(self.vague_phrases)
        competencies = {c.key for c in self.competencies}
        flags = {f.key for f in self.red_flags}
        for i, stage in enumerate(self.stages):
            unknown = [k for k in stage.competencies if k not in competencies]
            if unknown:
                raise ValueError(f"stages[{i}]({stage.key}).competencies: unknown competencies {unknown}")
            unknown = [k for k in stage.red_flags if k not in flags]
            if unknown:
                raise ValueError(f"stages[{i}]({stage.key}).red_flags: unknown red flags {unknown}")
        for i, profile in enumerate(self.profiles):
            unknown = [k for k in profile.weights if k not in competencies]
            if unknown:
                raise ValueError(f"profiles[{i}]({profile.key}).weights: unknown competencies {unknown}")
            unknown = [k for k in profile.must_have if k not in competencies]
            if unknown:
                raise ValueError(f"profiles[{i}]({profile.key}).must_have: unknown competencies {unknown}")
        unknown = [k for k in (self.decision_rule.blocking_flags if self.decision_rule else []) if k not in flags]
        if unknown:
            raise ValueError(f"decision_rule.blocking_flags: unknown red flags {unknown}")
        return self

    # Lookups used by services and builders.

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(f"pack {self.pack!r} has no stage {key!r}")

    def competency(self, key: str) -> Competency:
        for competency in self.competencies:
            if competency.key == key:
                return competency
        raise KeyError(f"pack {self.pack!r} has no competency {key!r}")

    def red_flag(self, key: str) -> RedFlag:
        for flag in self.red_flags:
            if flag.key == key:
                return flag
        raise KeyError(f"pack {self.pack!r} has no red flag {key!r}")

    def profile(self, key: str) -> Profile:
        for profile in self.profiles:
            if profile.key == key:
                return profile
        raise KeyError(f"pack {self.pack!r} has no profile {key!r}")

    def stage_name(self, key: str) -> str:
        """A stage's display name; its key if the stage has left the YAML since (old loops keep working)."""
        return next((stage.name for stage in self.stages if stage.key == key), key)

    def stage_competencies(self, stage_key: str) -> list[Competency]:
        return [self.competency(k) for k in self.stage(stage_key).competencies]

    def stage_red_flags(self, stage_key: str) -> list[RedFlag]:
        return [self.red_flag(k) for k in self.stage(stage_key).red_flags]

    @property
    def ref(self) -> str:
        """How a scorecard records which rubric it was filled against."""
        return f"{self.pack}@{self.version}"


def _unique(what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what}: key {key!r} is defined twice")
        seen.add(key)


def _unique_phrases(phrases: list[VaguePhrase]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(phrases):
        folded = " ".join(item.phrase.casefold().split())
        if folded in seen:
            raise ValueError(f"vague_phrases[{i}].phrase: {item.phrase!r} is listed twice")
        seen.add(folded)
