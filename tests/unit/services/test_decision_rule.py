"""A pack's decision rule, clause by clause: what it says (hire, no hire, not enough evidence),
why, with the arithmetic, and always as advice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.decision_rule import ADVICE, RuleFacts, Verdict, evaluate
from bot.services.summary import ExpectedInput, summarize
from handlers.builders.debrief import debrief
from rubrics.models import DecisionRule, Recommendation
from tests.support.summaries import NOW, PACK, YES, card, loop

FULL = DecisionRule(min_scorecards=4, min_profile_fit=2.5, block_on_strong_no=True, blocking_flags=["lone_wolf"])


def facts(
    submitted: int = 4,
    fit: float | None = 3.0,
    strong_no: list[str] | None = None,
    flags: list[tuple[str, str, str]] | None = None,
    expected: int = 4,
) -> RuleFacts:
    return RuleFacts(submitted, expected, fit, strong_no or [], flags or [])


# Minimum profile fit.


def test_a_fit_below_the_minimum_says_no_hire_with_the_arithmetic():
    outcome = evaluate(FULL, facts(fit=2.4))
    assert outcome.verdict is Verdict.NO_HIRE
    assert outcome.reasons == ["profile fit 2.40 < 2.5 required"]


def test_a_fit_at_the_minimum_passes():
    outcome = evaluate(FULL, facts(fit=2.5))
    assert outcome.verdict is Verdict.HIRE
    assert outcome.reasons == [
        "profile fit 2.50 ≥ 2.5 required",
        "no Strong No",
        "no blocking red flag",
        "4 of 4 scorecards in (the rule needs 4)",
    ]


def test_the_fit_is_compared_as_it_is_printed():
    # 2.496 prints as 2.50: the line must not read "2.50 < 2.5".
    assert evaluate(FULL, facts(fit=2.496)).verdict is Verdict.HIRE
    assert evaluate(FULL, facts(fit=2.494)).reasons == ["profile fit 2.49 < 2.5 required"]


def test_no_rating_at_all_is_not_enough_evidence_for_a_fit_clause():
    outcome = evaluate(DecisionRule(min_profile_fit=3), facts(submitted=1, fit=None))
    assert outcome.verdict is Verdict.NOT_ENOUGH
    assert "no profile fit" in outcome.reasons[0]


def test_without_a_fit_clause_a_low_fit_does_not_matter():
    assert evaluate(DecisionRule(block_on_strong_no=True), facts(fit=1.0)).verdict is Verdict.HIRE


# No Strong No.


def test_a_strong_no_blocks_and_names_who_gave_it():
    outcome = evaluate(FULL, facts(strong_no=["U7"]))
    assert outcome.verdict is Verdict.NO_HIRE
    assert outcome.reasons == ["a Strong No from <@U7>"]
    two = evaluate(FULL, facts(strong_no=["U7", "U8"]))
    assert two.reasons == ["2 Strong Nos from <@U7>, <@U8>"]


def test_a_strong_no_does_not_block_when_the_clause_is_off():
    rule = DecisionRule(min_profile_fit=2.5, block_on_strong_no=False)
    assert evaluate(rule, facts(strong_no=["U7"])).verdict is Verdict.HIRE


# Flags that block on their own.


def test_a_blocking_flag_says_no_hire_on_its_own():
    outcome = evaluate(FULL, facts(fit=3.8, flags=[("lone_wolf", "Lone wolf", "U3"), ("lone_wolf", "Lone wolf", "U4")]))
    assert outcome.verdict is Verdict.NO_HIRE
    assert outcome.reasons == ["blocking red flag “Lone wolf” from <@U3>, <@U4>"]


def test_a_flag_the_rule_does_not_list_does_not_block():
    outcome = evaluate(FULL, facts(flags=[("never_shipped", "Never deployed a model to production", "U3")]))
    assert outcome.verdict is Verdict.HIRE


def test_a_flag_label_is_escaped_where_the_rule_quotes_it():
    outcome = evaluate(FULL, facts(flags=[("lone_wolf", "<!channel> & co", "U3")]))
    assert "“&lt;!channel&gt; &amp; co”" in outcome.reasons[0]


def test_every_failing_clause_is_listed():
    outcome = evaluate(FULL, facts(fit=2.4, strong_no=["U1"], flags=[("lone_wolf", "Lone wolf", "U2")]))
    assert outcome.verdict is Verdict.NO_HIRE
    assert outcome.reasons == [
        "profile fit 2.40 < 2.5 required",
        "a Strong No from <@U1>",
        "blocking red flag “Lone wolf” from <@U2>",
    ]


# Minimum scorecards in.


def test_too_few_scorecards_is_not_enough_evidence_whatever_the_scores():
    outcome = evaluate(FULL, facts(submitted=3, fit=4.0))
    assert outcome.verdict is Verdict.NOT_ENOUGH
    assert outcome.reasons == ["3 of 4 scorecards in (the rule needs 4)"]
    assert evaluate(FULL, facts(submitted=3, fit=1.0)).verdict is Verdict.NOT_ENOUGH


def test_a_blocker_says_no_hire_before_every_scorecard_is_in():
    # More scorecards cannot undo a Strong No or a blocking flag, so the rule need not wait.
    outcome = evaluate(FULL, facts(submitted=2, strong_no=["U1"], expected=5))
    assert outcome.verdict is Verdict.NO_HIRE
    assert outcome.reasons == ["a Strong No from <@U1>", "even with only 2 of 5 scorecards in (the rule needs 4)"]


def test_a_rule_without_a_minimum_judges_any_number_of_scorecards():
    rule = DecisionRule(min_profile_fit=2.5)
    assert evaluate(rule, facts(submitted=1)).verdict is Verdict.HIRE


# Through the summary and onto the pre-read.


def test_the_shipped_pack_declares_a_rule_and_the_summary_applies_it():
    cards = [card(f"U{n}", "coding_round", YES, software_engineering=2, data_pipelines=2) for n in range(4)]
    s = summarize(loop(cards), PACK)
    assert s.rule is not None and s.rule.verdict is Verdict.NO_HIRE
    assert s.rule.reasons == ["profile fit 2.00 < 2.5 required"]


def test_the_summary_feeds_strong_nos_and_blocking_flags_to_the_rule():
    cards = [
        card("U1", "coding_round", Recommendation.STRONG_NO, software_engineering=4, data_pipelines=4),
        card("U2", "model_deep_dive", YES, {"overstates_experience": "Could not say what they built."}),
        card("U3", "ml_system_design", YES),
        card("U4", "hiring_manager_close", YES),
    ]
    s = summarize(loop(cards), PACK)
    assert s.rule is not None and s.rule.verdict is Verdict.NO_HIRE
    assert s.rule.reasons == [
        "a Strong No from <@U1>",
        "blocking red flag “Overstates experience” from <@U2>",
    ]


def test_a_pack_without_a_rule_states_none():
    bare = PACK.model_copy(update={"decision_rule": None})
    s = summarize(loop([card("U1", "coding_round", software_engineering=3)]), bare)
    assert s.rule is None
    body = str(debrief(s, 1, []).blocks)
    assert "Decision rule" not in body and ADVICE not in body


@pytest.mark.parametrize("submitted", [3, 4])
def test_the_pre_read_says_the_rule_is_advice_in_one_line(submitted):
    cards = [card(f"U{n}", "coding_round", YES, software_engineering=3, data_pipelines=3) for n in range(submitted)]
    expected = [ExpectedInput(c.interviewer_id, c.stage_key, NOW - timedelta(days=1), True) for c in cards]
    expected += [ExpectedInput("U9", "hiring_manager_close", NOW + timedelta(days=1), False)] * (4 - submitted)
    message = debrief(summarize(loop(cards, expected), PACK), 1, [])
    [line] = [b["text"]["text"] for b in message.blocks if "Decision rule" in b.get("text", {}).get("text", "")]
    assert "\n" not in line and line.endswith(ADVICE)
    if submitted == 3:
        assert "says *not enough evidence* — 3 of 4 scorecards in (the rule needs 4)." in line
    else:
        assert "says *hire* — profile fit 3.00 ≥ 2.5 required;" in line
