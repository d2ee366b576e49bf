"""What a pack's declared decision rule says about a loop: hire, no hire, or not enough evidence.

A formula declared before anyone is discussed predicts job performance better than a room's
holistic judgement, so the pre-read states the rule's answer and its arithmetic. It is advice
for the people in the debrief and is never recorded as a decision: they decide.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.mrkdwn import escape, mention
from db.vocabulary import Decision
from rubrics.models import DecisionRule

ADVICE = "Advice for the panel, not a decision: the people in the debrief decide."


class Verdict(enum.StrEnum):
    HIRE = "hire"
    NO_HIRE = "no hire"
    NOT_ENOUGH = "not enough evidence"


@dataclass(frozen=True)
class RuleFacts:
    """What the rule reads from the submitted scorecards."""

    submitted: int
    expected: int
    profile_fit: float | None
    strong_no_from: list[str]  # interviewer ids, in scorecard order
    flags_raised: list[tuple[str, str, str]]  # (flag key, label, interviewer id)


@dataclass(frozen=True)
class RuleOutcome:
    verdict: Verdict
    # mrkdwn built here: mentions are ours, and pack labels are escaped where they are put in.
    reasons: list[str]


def evaluate(rule: DecisionRule, facts: RuleFacts) -> RuleOutcome:
    """Every failing clause is listed. Blocking clauses (a Strong No, a blocking flag) say no hire
    however many scorecards are in, because more scorecards cannot undo them; profile fit is
    only judged once enough scorecards are in."""
    blockers = _blockers(rule, facts)
    if rule.min_scorecards is not None and facts.submitted < rule.min_scorecards:
        if blockers:
            return RuleOutcome(Verdict.NO_HIRE, [*blockers, f"even with only {_count(rule, facts)}"])
        return RuleOutcome(Verdict.NOT_ENOUGH, [_count(rule, facts)])
    fit_reason, fit_passes = _fit(rule, facts)
    failing = ([] if fit_passes else [fit_reason]) + blockers
    if failing:
        return RuleOutcome(Verdict.NO_HIRE, failing)
    if rule.min_profile_fit is not None and facts.profile_fit is None:
        return RuleOutcome(Verdict.NOT_ENOUGH, ["no competency rated yet, so no profile fit to compare"])
    passed = [fit_reason] if fit_reason else []
    if rule.block_on_strong_no:
        passed.append("no Strong No")
    if rule.blocking_flags:
        passed.append("no blocking red flag")
    if rule.min_scorecards is not None:
        passed.append(_count(rule, facts))
    return RuleOutcome(Verdict.HIRE, passed)


def _blockers(rule: DecisionRule, facts: RuleFacts) -> list[str]:
    reasons = []
    if rule.block_on_strong_no and facts.strong_no_from:
        who = ", ".join(mention(user) for user in dict.fromkeys(facts.strong_no_from))
        count = len(facts.strong_no_from)
        reasons.append(f"{'a Strong No' if count == 1 else f'{count} Strong Nos'} from {who}")
    blocking = set(rule.blocking_flags)
    raised: dict[str, tuple[str, list[str]]] = {}
    for key, label, user in facts.flags_raised:
        if key in blocking:
            users = raised.setdefault(key, (label, []))[1]
            if user not in users:
                users.append(user)
    for label, users in raised.values():
        reasons.append(f"blocking red flag “{escape(label)}” from {', '.join(mention(u) for u in users)}")
    return reasons


def _fit(rule: DecisionRule, facts: RuleFacts) -> tuple[str, bool]:
    """The fit clause as shown. It compares the fit rounded as printed, so the line never reads
    '2.50 < 2.5' for a fit of 2.496."""
    if rule.min_profile_fit is None or facts.profile_fit is None:
        return "", True
    shown = round(facts.profile_fit, 2)
    if shown < rule.min_profile_fit:
        return f"profile fit {shown:.2f} < {rule.min_profile_fit:g} required", False
    return f"profile fit {shown:.2f} ≥ {rule.min_profile_fit:g} required", True


def _count(rule: DecisionRule, facts: RuleFacts) -> str:
    return f"{facts.submitted} of {facts.expected} scorecards in (the rule needs {rule.min_scorecards})"


# The decision each outcome stands for: recording any other is an override, which needs a reason.
# "Not enough evidence" stands for no decision, so nothing recorded goes against it.
RULE_DECISION = {Verdict.HIRE: Decision.HIRE, Verdict.NO_HIRE: Decision.NO_HIRE}


def against_rule(rule: RuleOutcome | None, decision: Decision) -> bool:
    return rule is not None and rule.verdict in RULE_DECISION and RULE_DECISION[rule.verdict] is not decision
