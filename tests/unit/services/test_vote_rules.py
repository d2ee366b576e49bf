"""The sealed vote rules that need no Slack: who speaks first, and when a vote needs a reason."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.services.decision_rule import RuleOutcome, Verdict, against_rule
from bot.services.vote_rules import Turn, VoteLine, check_vote, speaking_order
from db.models import Decision
from rubrics.models import Recommendation

YES, NO, STRONG_YES, STRONG_NO = (
    Recommendation.YES,
    Recommendation.NO,
    Recommendation.STRONG_YES,
    Recommendation.STRONG_NO,
)


def line(user: str, vote: Recommendation | None, scorecard: Recommendation = YES) -> VoteLine:
    return VoteLine(user, scorecard, vote, "because" if vote else None)


def test_dissent_and_unique_evidence_first_then_the_panel_then_the_manager_and_the_recruiter_last():
    lines = [line("A", YES), line("B", STRONG_NO), line("C", STRONG_YES), line("D", YES)]
    assert speaking_order(lines, {"D"}, "HM", "REC") == [
        Turn(1, "B", "voted against the majority"),
        Turn(1, "D", "saw something nobody else did"),
        Turn(2, "A", "panel"),
        Turn(2, "C", "panel"),
        Turn(3, "HM", "hiring manager"),
        Turn(4, "REC", "recruiter, closes"),
    ]


def test_a_tie_has_no_majority_to_dissent_from_and_votes_not_cast_count_for_nobody():
    lines = [line("A", YES), line("B", NO), line("C", None), line("D", None)]
    assert [t.step for t in speaking_order(lines, set(), "HM", "REC")] == [2, 2, 2, 2, 3, 4]
    # With C's Strong No cast the Nos are the majority, and A dissents.
    lines[2] = line("C", STRONG_NO)
    assert speaking_order(lines, set(), "HM", "REC")[0] == Turn(1, "A", "voted against the majority")


def test_a_hiring_manager_who_interviewed_still_speaks_after_the_panel():
    lines = [line("HM", NO), line("A", YES), line("B", YES)]
    order = speaking_order(lines, {"HM"}, "HM", "HM")
    assert order == [Turn(2, "A", "panel"), Turn(2, "B", "panel"), Turn(3, "HM", "hiring manager")]


def test_both_reasons_are_given_when_a_holder_of_unique_evidence_also_dissents():
    lines = [line("A", NO), line("B", YES), line("C", YES)]
    assert (
        speaking_order(lines, {"A"}, "HM", "REC")[0].why
        == "saw something nobody else did and voted against the majority"
    )


@pytest.mark.parametrize(
    ("own", "choice", "reason", "error"),
    [
        (YES, "yes", "", None),
        (YES, "strong_yes", "", "Your scorecard said Yes: say what changed your mind to Strong Yes."),
        (YES, "strong_yes", "   \n", "Your scorecard said Yes: say what changed your mind to Strong Yes."),
        (NO, "yes", "The deep dive settled it.", None),
        (NO, "no", "a\x00b", "Remove the control characters (such as NUL) from the text."),
        (NO, "no", "x" * 3001, "Keep it under 3000 characters."),
    ],
)
def test_a_vote_that_differs_from_the_scorecard_says_what_changed(own, choice, reason, error):
    if error is None:
        assert check_vote(own, choice, reason) is Recommendation(choice)
        return
    with pytest.raises(InvalidInput) as refused:
        check_vote(own, choice, reason)
    assert refused.value.errors == {"vote_reason": error}


def test_a_vote_must_be_on_the_scale():
    with pytest.raises(InvalidInput) as refused:
        check_vote(YES, "maybe", "")
    assert refused.value.errors == {"vote": "Choose your final recommendation."}


@pytest.mark.parametrize(
    ("verdict", "against"),
    [
        (Verdict.HIRE, {Decision.NO_HIRE, Decision.HOLD}),
        (Verdict.NO_HIRE, {Decision.HIRE, Decision.HOLD}),
        (Verdict.NOT_ENOUGH, set()),  # no outcome to go against
    ],
)
def test_a_decision_other_than_the_rules_hire_or_no_hire_is_an_override(verdict, against):
    rule = RuleOutcome(verdict, ["reason"])
    assert {d for d in Decision if against_rule(rule, d)} == against
    assert not any(against_rule(None, d) for d in Decision)  # a pack with no rule
