"""A scorecard as an interviewer fills it in: the form, its rules, and how it maps to rows.

Pure functions and plain data; ScorecardService (scorecards.py) owns the transactions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import InvalidInput
from bot.fields import Field, evidence_field, flag_evidence_field, rating_field
from bot.services.evidence_lint import impressions
from rubrics.models import RATINGS, Recommendation, RubricPack, Stage

TEXT_MAX = 3000
EVIDENCE_NEEDED_FOR = (1, 4)  # the ends of the scale need a reason; so does every red flag


@dataclass
class ScorecardForm:
    """What an interviewer entered, complete or not (a draft is an incomplete form)."""

    ratings: dict[str, int | None] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    flag_evidence: dict[str, str] = field(default_factory=dict)
    recommendation: str | None = None
    notes: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ScorecardForm:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def validate(form: ScorecardForm, pack: RubricPack, stage: Stage) -> None:
    """The modal's rules. Keys of the InvalidInput are field names the builder maps to blocks."""
    problems: dict[str, str] = {}
    for key in stage.competencies:
        rating = form.ratings.get(key)
        if rating not in RATINGS:
            problems[rating_field(key)] = "Rate this competency."
        elif needs_evidence(pack, rating) and not form.evidence.get(key, "").strip():
            problems[evidence_field(key)] = f"A rating of {rating} needs evidence: what did you see or hear?"
    allowed_flags = set(stage.red_flags)
    for flag in form.flags:
        if flag not in allowed_flags:
            problems[Field.RED_FLAGS] = "That red flag is not part of this stage's rubric."
        elif not form.flag_evidence.get(flag, "").strip():
            problems[flag_evidence_field(flag)] = f"Say what you saw that raised “{pack.red_flag(flag).label}”."
    if form.recommendation not in {r.value for r in Recommendation}:
        problems[Field.RECOMMENDATION] = "Choose an overall recommendation."
    texts = (
        [("notes", form.notes)]
        + [(evidence_field(k), v) for k, v in form.evidence.items()]
        + [(flag_evidence_field(k), v) for k, v in form.flag_evidence.items()]
    )
    for name, value in texts:
        if value and len(value) > TEXT_MAX:
            problems[name] = f"Keep this under {TEXT_MAX} characters ({len(value)} now)."
    if problems:
        raise InvalidInput(problems)


def needs_evidence(pack: RubricPack, rating: int | None) -> bool:
    return pack.evidence_required == "all" or rating in EVIDENCE_NEEDED_FOR


def normalised(form: ScorecardForm, stage: Stage) -> ScorecardForm:
    """The form as it would be stored: only this stage's fields, text trimmed."""
    return ScorecardForm(
        ratings={k: form.ratings.get(k) for k in stage.competencies},
        evidence={k: form.evidence.get(k, "").strip() for k in stage.competencies if form.evidence.get(k, "").strip()},
        flags=sorted(form.flags),
        flag_evidence={k: form.flag_evidence.get(k, "").strip() for k in sorted(form.flags)},
        recommendation=form.recommendation,
        notes=form.notes.strip(),
    )


@dataclass(frozen=True)
class FilledScorecard:
    """A valid form as the rows it is stored as (scorecard_rows.py writes them)."""

    pack: str
    pack_version: int
    recommendation: str
    notes: str | None
    at: datetime
    # Each rating: competency_key, competency_name, rating, evidence, impression, in that
    # order (scorecard_rows compares the values after the key with what is stored).
    ratings: list[dict[str, Any]]
    # Each red flag: flag_key, flag_label, evidence.
    flags: list[dict[str, Any]]

    def header(self) -> dict[str, Any]:
        """The scorecard row's own columns that a submission sets."""
        return {
            "pack": self.pack,
            "pack_version": self.pack_version,
            "recommendation": self.recommendation,
            "notes": self.notes,
            "updated_at": self.at,
        }


def filled(form: ScorecardForm, pack: RubricPack, stage: Stage, now: datetime) -> FilledScorecard:
    clean = normalised(form, stage)
    # Marked whether or not the wording was kept on a nudge: the mark says what the text is.
    impression_only = impressions(clean.evidence, pack, stage)
    ratings = [
        {
            "competency_key": key,
            # Names as they are now: a later rename of the YAML keeps old scorecards readable.
            "competency_name": pack.competency(key).name,
            "rating": int(clean.ratings[key] or 0),
            "evidence": clean.evidence.get(key),
            "impression": key in impression_only,
        }
        for key in stage.competencies
    ]
    flags = [
        {"flag_key": key, "flag_label": pack.red_flag(key).label, "evidence": clean.flag_evidence[key]}
        for key in clean.flags
    ]
    return FilledScorecard(
        pack.pack, pack.version, clean.recommendation or "", clean.notes or None, now, ratings, flags
    )
