"""Sealed votes as plain values: what a vote, a reveal and the speaking order are, and the
rule for when a vote needs a reason. No database, no Slack (bot/services/votes.py runs them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import InvalidInput
from bot.services.checks import text_problems
from bot.services.message import Message
from db.models import ReminderKind
from rubrics.models import Recommendation

VOTE_KINDS = (ReminderKind.VOTE_REQUEST, ReminderKind.VOTE_NUDGE, ReminderKind.VOTE_REVEAL)
REASON_MAX = 3000
NUDGE_AFTER_MIN = timedelta(minutes=15)
YES_SIDE = {Recommendation.YES, Recommendation.STRONG_YES}


@dataclass(frozen=True)
class VoteAsk:
    """The DM asking for a vote (or, once, nudging for it). Says nothing of anyone's vote."""

    candidate_id: int
    candidate_name: str
    channel_id: str | None
    debrief_at: datetime
    zone: str
    nudge: bool


@dataclass(frozen=True)
class VoteForm:
    """The vote modal for one voter: their own scorecard's call and their own vote so far."""

    candidate_id: int
    candidate_name: str
    scorecard: Recommendation
    vote: Recommendation | None
    reason: str


@dataclass(frozen=True)
class VoteLine:
    voter_id: str
    scorecard: Recommendation
    vote: Recommendation | None  # None: not cast
    reason: str | None

    @property
    def shifted(self) -> bool:
        return self.vote is not None and self.vote is not self.scorecard


@dataclass(frozen=True)
class Turn:
    step: int  # 1 dissent and unique evidence, 2 the rest of the panel, 3 hiring manager, 4 recruiter
    user_id: str
    why: str


@dataclass(frozen=True)
class Reveal:
    candidate_name: str
    lines: list[VoteLine]
    order: list[Turn]
    trigger: str  # "last vote" or "debrief start"


@dataclass(frozen=True)
class VoteStatus:
    """What the decide modal shows: before the reveal only who has voted, after it every vote."""

    panel: list[str]
    voted: list[str]
    revealed: bool
    lines: list[VoteLine]


@dataclass(frozen=True)
class VoteStep:
    """What the sweep does with one vote row: exactly one of these is set."""

    expire: str | None = None
    defer_until: datetime | None = None
    message: Message | None = None
    action: Callable[[], object] | None = None


def speaking_order(lines: list[VoteLine], unique_holders: set[str], manager: str, recruiter: str) -> list[Turn]:
    """Dissent and unique evidence first, then the rest of the panel, then the hiring manager;
    the recruiter closes. A manager or recruiter who also interviewed keeps their late place."""
    cast = [line.vote for line in lines if line.vote is not None]
    yes = sum(1 for vote in cast if vote in YES_SIDE)
    majority = None if yes * 2 == len(cast) else (yes * 2 > len(cast))
    first, rest = [], []
    for line in lines:
        if line.voter_id in (manager, recruiter):
            continue
        why = []
        if line.voter_id in unique_holders:
            why.append("saw something nobody else did")
        if line.vote is not None and majority is not None and (line.vote in YES_SIDE) != majority:
            why.append("voted against the majority")
        if why:
            first.append(Turn(1, line.voter_id, " and ".join(why)))
        else:
            rest.append(Turn(2, line.voter_id, "panel"))
    late = [Turn(3, manager, "hiring manager")]
    if recruiter != manager:
        late.append(Turn(4, recruiter, "recruiter, closes"))
    return first + rest + late


def check_vote(own: Recommendation, choice: str, reason: str) -> Recommendation:
    """A vote that differs from the voter's own scorecard must say what changed their mind."""
    if choice not in {r.value for r in Recommendation}:
        raise InvalidInput({"vote": "Choose your final recommendation."})
    vote = Recommendation(choice)
    problems = text_problems("vote_reason", reason, REASON_MAX)
    if problems:
        raise InvalidInput(problems)
    if vote is not own and not reason.strip():
        raise InvalidInput(
            {"vote_reason": f"Your scorecard said {own.label}: say what changed your mind to {vote.label}."}
        )
    return vote
