"""The impression lint: which evidence reads as an impression, and that it never refuses a
scorecard or loses a word of it (the nudged modal carries every value back)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.services.evidence_lint import impressions, lint, names_behaviour, nudge, vague_phrases
from bot.services.scorecard_form import ScorecardForm, validate
from bot.services.scorecards import ScorecardContext
from handlers.builders import scorecards as views
from handlers.ids import Block, evidence_block, flag_evidence_block, rating_block
from rubrics.loader import RubricRegistry
from tests.support.blockkit import check_view

PACK = RubricRegistry.from_directory().get("ml-engineer")
CODING = PACK.stage("coding_round")


@pytest.mark.parametrize(
    "text",
    [
        "Great culture fit.",
        "CULTURE   FIT, would hire",
        "Really smart person overall, would be a strong addition to any team we have",
        "Seems solid",
        "i feel good about this one",
        "A true rockstar!",
        "Not a fit.",
        "Good",  # too short to say what they said or did
        "Strong on this one",
    ],
)
def test_impressions_get_a_nudge(text: str) -> None:
    assert nudge(text, PACK) is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Explained complexity.",  # short, but says what they did
        "Chose a heap because the stream never ends",
        "Smart: derived the gradient on the whiteboard",  # a vague word beside behaviour
        'Replied "I would log the inputs first"',
        "Spotted the leakage in the join unprompted.",
        "Uses a smartphone app to track experiments, a habit from their last job",  # smart inside a word
        "Has five years of production experience with streaming systems and batch jobs",
    ],
)
def test_evidence_of_behaviour_gets_none(text: str) -> None:
    assert nudge(text, PACK) is None


def test_phrases_match_whole_words_ignoring_case_and_spacing() -> None:
    assert [p.phrase for p in vague_phrases("She SEEMS like a Culture\n fit", PACK.vague_phrases)] == [
        "culture fit",
        "seems",
    ]
    assert vague_phrases("smartest seemsly gutter", PACK.vague_phrases) == []
    assert names_behaviour("SAID so") and not names_behaviour("saidx unsaid")


def test_the_nudge_names_the_phrase_and_its_hint() -> None:
    said = nudge("culture fit", PACK)
    hint = next(p.hint for p in PACK.vague_phrases if p.phrase == "culture fit")
    assert said is not None and "“culture fit”" in said and hint in said
    assert "short" in (nudge("Fine.", PACK) or "")


def test_lint_keys_are_the_modal_evidence_fields_of_the_stage() -> None:
    evidence = {
        "software_engineering": "Seems smart",
        "data_pipelines": "Wrote a dedup step and tested it on nulls.",
        "not_in_this_stage": "culture fit",
    }
    assert set(lint(evidence, PACK, CODING)) == {evidence_block("software_engineering")}
    assert impressions(evidence, PACK, CODING) == {"software_engineering"}


def test_the_pack_decides_when_evidence_is_required() -> None:
    form = ScorecardForm(ratings={k: 3 for k in CODING.competencies}, recommendation="yes")
    with pytest.raises(InvalidInput) as refused:
        validate(form, PACK, CODING)
    assert set(refused.value.errors) == {evidence_block(k) for k in CODING.competencies}
    extremes = PACK.model_copy(update={"evidence_required": "extremes"})
    validate(form, extremes, CODING)  # a 3 needs no evidence when only the ends of the scale do


# Properties: any text at all, any form at all.

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
WORDY = st.lists(
    st.sampled_from([p.phrase for p in PACK.vague_phrases] + ["said", "chose", "x", "the", "model", "&", "<@U1>"]),
    max_size=12,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, WORDY))
def test_the_lint_never_raises_and_leaves_the_text_alone(text: str) -> None:
    evidence = dict.fromkeys(CODING.competencies, text)
    before = copy.deepcopy(evidence)
    found = lint(evidence, PACK, CODING)
    assert evidence == before
    assert set(found) <= {evidence_block(k) for k in CODING.competencies}
    assert all(isinstance(v, str) and v for v in found.values())
    if not text.strip():
        assert found == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(TEXT, WORDY).map(str.strip).filter(bool), min_size=2, max_size=2))
def test_wording_alone_never_makes_a_scorecard_invalid(texts: list[str]) -> None:
    """The lint asks; validation refuses only what is missing or too long, never how it is said."""
    form = ScorecardForm(
        ratings={k: 1 for k in CODING.competencies},
        evidence=dict(zip(CODING.competencies, texts, strict=True)),
        recommendation="no",
    )
    validate(form, PACK, CODING)


def _context(form: ScorecardForm) -> ScorecardContext:
    return ScorecardContext(
        interview_id=1,
        candidate_id=2,
        candidate_name="Ada & <Lovelace>",
        channel_id="C1",
        pack=PACK,
        stage=CODING,
        starts_at=datetime(2030, 3, 6, 10, tzinfo=UTC),
        zone="Europe/London",
        prefill=form,
        submitted=False,
    )


def _initial(view: dict, block_id: str) -> object:
    element = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if element["type"] == "checkboxes":
        return [o["value"] for o in element.get("initial_options", [])]
    return element.get("initial_value")


NONEMPTY = st.one_of(TEXT, WORDY).map(str.strip).filter(bool)


@st.composite
def forms(draw: st.DrawFn) -> ScorecardForm:
    flags = draw(st.lists(st.sampled_from(CODING.red_flags), unique=True))
    return ScorecardForm(
        ratings={k: draw(st.integers(1, 4)) for k in CODING.competencies},
        evidence={k: draw(NONEMPTY) for k in CODING.competencies},
        flags=flags,
        flag_evidence={f: draw(NONEMPTY) for f in flags},
        recommendation=draw(st.sampled_from(["strong_no", "no", "yes", "strong_yes"])),
        notes=draw(st.one_of(st.just(""), NONEMPTY)),
    )


@settings(max_examples=150, deadline=None)
@given(forms())
def test_the_nudged_modal_carries_back_every_value_and_fits_slack(form: ScorecardForm) -> None:
    nudges = lint(form.evidence, PACK, CODING)
    view = views.scorecard_modal(_context(form), flags_shown=form.flags, nudges=nudges)
    check_view(view)
    for key in CODING.competencies:
        assert _initial(view, rating_block(key)) == str(form.ratings[key])
        assert _initial(view, evidence_block(key)) == form.evidence[key]
    assert _initial(view, Block.RED_FLAGS) == [f for f in CODING.red_flags if f in form.flags]
    for flag in form.flags:
        assert _initial(view, flag_evidence_block(flag)) == form.flag_evidence[flag]
    assert _initial(view, Block.RECOMMENDATION) == form.recommendation
    assert _initial(view, Block.NOTES) == (form.notes or None)
    has_keep = any(b.get("block_id") == Block.KEEP_WORDING for b in view["blocks"])
    assert has_keep == bool(nudges)
