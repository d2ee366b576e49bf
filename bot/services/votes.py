"""Sealed votes, then one reveal.

When the pre-read is posted, each panel member with a submitted scorecard is asked (by DM,
through the outbox) for a final recommendation and a reason. Nobody sees anyone's vote
until the reveal: one channel message with every vote at once, posted on the last vote or
at the debrief's start, whichever comes first. Pooling independent judgements only helps
while they stay independent; the first opinion spoken, above all the hiring manager's,
anchors the rest (Lorenz et al., PNAS 2011).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import InvalidInput, NotFound, SlackError, SlackTimeout
from bot.services import queries
from bot.services.checks import has_control
from bot.services.ports import Gateway, Message
from bot.services.summary import Summary
from bot.services.workhours import WorkingHours
from db.models import (
    Candidate,
    Debrief,
    Interview,
    InterviewStatus,
    LoopStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Scorecard,
    SealedVote,
)
from db.session import Database
from rubrics.models import Recommendation

log = logging.getLogger(__name__)

VOTE_KINDS = (ReminderKind.VOTE_REQUEST, ReminderKind.VOTE_NUDGE, ReminderKind.VOTE_REVEAL)
REASON_MAX = 3000
NUDGE_AFTER_MIN = timedelta(minutes=15)
YES_SIDE = {Recommendation.YES, Recommendation.STRONG_YES}
ORDER_WHY = (
    "Whoever speaks first sets the frame, and the hiring manager's view anchors the room: dissent and what only "
    "one person saw are heard before it. A suggestion, not a rule."
)


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


class VoteRenderer(Protocol):
    def vote_ask(self, ask: VoteAsk) -> Message: ...

    def reveal(self, reveal: Reveal) -> Message: ...


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


class VoteService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        render: VoteRenderer,
        clock: Clock,
        hours: WorkingHours,
        zone: str,
        summary: Callable[[int], Summary],
    ):
        self.db = db
        self.slack = slack
        self.render = render
        self.clock = clock
        self.hours = hours
        self.zone = zone
        self.summary = summary

    # Planning, in the transaction that records the pre-read's posting

    def plan(self, session: Session, candidate_id: int) -> None:
        """Ask every panel member who has a scorecard in and has not been asked yet (a late
        scorecard joins the panel), once; and plan the reveal at the debrief's start."""
        debrief, now = _debrief(session, candidate_id), self.clock()
        # A pre-read posted once the debrief is under way (or on demand, before any time was
        # set) asks for no votes: they would be revealed before anyone could cast one.
        if debrief is None or debrief.revealed_at is not None or debrief.scheduled_at <= now:
            return
        candidate = queries.candidate(session, candidate_id)
        planned = session.execute(
            select(Reminder.kind, Reminder.target_user_id).where(
                Reminder.candidate_id == candidate_id,
                Reminder.kind.in_(VOTE_KINDS),
                Reminder.status != ReminderStatus.CANCELLED,
            )
        ).all()
        asked = {user for kind, user in planned if kind is ReminderKind.VOTE_REQUEST}
        nudge_at = now + max(NUDGE_AFTER_MIN, (debrief.scheduled_at - now) / 2)
        for voter in _panel(session, candidate_id):
            if voter in asked:
                continue
            for kind, due in ((ReminderKind.VOTE_REQUEST, now), (ReminderKind.VOTE_NUDGE, nudge_at)):
                session.add(Reminder(kind=kind, candidate_id=candidate_id, target_user_id=voter, due_at=due))
        if not any(kind is ReminderKind.VOTE_REVEAL for kind, _ in planned):
            session.add(
                Reminder(
                    kind=ReminderKind.VOTE_REVEAL,
                    candidate_id=candidate_id,
                    target_user_id=candidate.recruiter_id,
                    due_at=debrief.scheduled_at,
                )
            )

    # The sweep's decision for one vote row

    def step(self, session: Session, row: Reminder, candidate: Candidate, now: datetime) -> VoteStep:
        debrief = candidate.debrief
        if debrief is None or debrief.revealed_at is not None:
            return VoteStep(expire="votes already revealed")
        if row.kind is ReminderKind.VOTE_REVEAL:
            if now < debrief.scheduled_at:  # the debrief was moved later
                return VoteStep(defer_until=debrief.scheduled_at)
            return VoteStep(action=partial(self.reveal, candidate.id, "debrief start"))
        if now >= debrief.scheduled_at:
            return VoteStep(expire="debrief already started")
        if row.kind is ReminderKind.VOTE_NUDGE and _vote(session, candidate.id, row.target_user_id) is not None:
            return VoteStep(expire="already voted")
        zone = next((i.timezone for i in candidate.interviews if i.interviewer_id == row.target_user_id), self.zone)
        if row.kind is ReminderKind.VOTE_NUDGE and not self.hours.contains(now, zone):
            opens = self.hours.next_open(now, zone)
            if opens >= debrief.scheduled_at:
                return VoteStep(expire="no working hours left before the debrief")
            return VoteStep(defer_until=opens)
        ask = VoteAsk(
            candidate.id,
            candidate.name,
            candidate.channel_id,
            debrief.scheduled_at,
            zone,
            nudge=row.kind is ReminderKind.VOTE_NUDGE,
        )
        return VoteStep(message=self.render.vote_ask(ask))

    # Casting

    def form(self, candidate_id: int, voter: str) -> VoteForm:
        with self.db.transaction() as session:
            candidate, _ = self._open_for(session, candidate_id, voter, "vote")
            own = _panel(session, candidate_id)[voter]
            vote = _vote(session, candidate_id, voter)
            return VoteForm(
                candidate_id,
                candidate.name,
                own,
                Recommendation(vote.recommendation) if vote else None,
                (vote.reason or "") if vote else "",
            )

    def validate(self, candidate_id: int, voter: str, choice: str, reason: str) -> Recommendation:
        with self.db.transaction() as session:
            self._open_for(session, candidate_id, voter, "change")
            own = _panel(session, candidate_id)[voter]
        return check_vote(own, choice, reason)

    def cast(self, candidate_id: int, voter: str, choice: str, reason: str) -> None:
        """Record (or change) a vote; the last one in posts the reveal."""
        with self.db.transaction() as session:
            _, debrief = self._open_for(session, candidate_id, voter, "change", lock=True)
            panel = _panel(session, candidate_id)
            vote = check_vote(panel[voter], choice, reason)
            row = _vote(session, candidate_id, voter)
            changed = row is not None
            if row is None:
                row = SealedVote(candidate_id=candidate_id, voter_id=voter, recommendation=vote.value)
                session.add(row)
            row.recommendation, row.reason = vote.value, reason.strip() or None
            row.updated_at = self.clock()
            session.add(queries.audit(voter, "vote.cast", candidate_id, {"changed": changed}))
            session.flush()
            voted = set(session.scalars(select(SealedVote.voter_id).where(SealedVote.candidate_id == candidate_id)))
            everyone = set(panel) <= voted
        if everyone:
            self.reveal(candidate_id, "last vote")

    def _open_for(
        self, session: Session, candidate_id: int, voter: str, verb: str, lock: bool = False
    ) -> tuple[Candidate, Debrief]:
        candidate = queries.candidate(session, candidate_id)
        query = select(Debrief).where(Debrief.candidate_id == candidate_id)
        # The reveal's conditional UPDATE waits for this lock, so it reads this vote once committed.
        debrief = session.scalars(query.with_for_update() if lock else query).one_or_none()
        if voter not in _panel(session, candidate_id) or debrief is None or debrief.posted_at is None:
            raise NotFound("Votes are for panel members with a scorecard in, once the pre-read is posted.")
        if candidate.status is not LoopStatus.OPEN:
            raise InvalidInput({"vote": "This loop already has a decision."})
        if debrief.revealed_at is not None:
            raise InvalidInput({"vote": f"The votes are revealed: yours can no longer {verb}."})
        return candidate, debrief

    # The reveal

    def reveal(self, candidate_id: int, trigger: str) -> bool:
        """Post every vote at once. Exactly once: only the caller whose UPDATE sets revealed_at posts."""
        holders = {u.interviewer_id for u in self.summary(candidate_id).unique}
        with self.db.transaction() as session:
            won = session.execute(
                update(Debrief)
                .where(Debrief.candidate_id == candidate_id, Debrief.revealed_at.is_(None))
                .values(revealed_at=self.clock())
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                return False
            candidate = queries.candidate(session, candidate_id)
            lines = _lines(session, candidate_id)
            order = speaking_order(lines, holders, candidate.hiring_manager_id, candidate.recruiter_id)
            message = self.render.reveal(Reveal(candidate.name, lines, order, trigger))
            channel = candidate.channel_id
        if channel is None:
            return True
        try:
            ts = self.slack.post_message(channel, message.text, message.blocks)
        except SlackTimeout:
            raise  # it may have been posted: stay revealed rather than risk a second posting
        except SlackError:
            self._unclaim(candidate_id)  # surely not posted: the sweep's retry can reveal
            raise
        with self.db.transaction() as session:
            session.execute(update(Debrief).where(Debrief.candidate_id == candidate_id).values(reveal_ts=ts))
            cast = sum(1 for line in lines if line.vote is not None)
            details = {"cast": cast, "panel": len(lines), "trigger": trigger}
            session.add(queries.audit(None, "votes.revealed", candidate_id, details))
        return True

    def _unclaim(self, candidate_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(Debrief)
                .where(Debrief.candidate_id == candidate_id, Debrief.reveal_ts.is_(None))
                .values(revealed_at=None)
            )

    # Reading

    def status(self, candidate_id: int) -> VoteStatus:
        with self.db.transaction() as session:
            debrief = _debrief(session, candidate_id)
            revealed = debrief is not None and debrief.revealed_at is not None
            lines = _lines(session, candidate_id)
            return VoteStatus(
                panel=[line.voter_id for line in lines],
                voted=[line.voter_id for line in lines if line.vote is not None],
                revealed=revealed,
                lines=lines if revealed else [],
            )

    def export(self, session: Session, candidate_id: int) -> dict[str, Any]:
        """Revealed votes in full; before the reveal, only who has voted (the export is no back door)."""
        debrief = _debrief(session, candidate_id)
        revealed = debrief is not None and debrief.revealed_at is not None
        lines = _lines(session, candidate_id)
        votes = {
            v.voter_id: v for v in session.scalars(select(SealedVote).where(SealedVote.candidate_id == candidate_id))
        }
        return {
            "revealed_at": debrief.revealed_at.isoformat() if revealed else None,  # type: ignore[union-attr]
            "votes": [
                {
                    "voter": line.voter_id,
                    "scorecard_recommendation": line.scorecard.value,
                    "cast": line.voter_id in votes,
                    **(
                        {
                            "recommendation": line.vote.value if line.vote else None,
                            "reason": line.reason,
                            "shifted": line.shifted,
                            "cast_at": votes[line.voter_id].cast_at.isoformat() if line.voter_id in votes else None,
                        }
                        if revealed
                        else {}
                    ),
                }
                for line in lines
            ],
        }


def check_vote(own: Recommendation, choice: str, reason: str) -> Recommendation:
    """A vote that differs from the voter's own scorecard must say what changed their mind."""
    if choice not in {r.value for r in Recommendation}:
        raise InvalidInput({"vote": "Choose your final recommendation."})
    vote = Recommendation(choice)
    if len(reason) > REASON_MAX:
        raise InvalidInput({"vote_reason": f"Keep it under {REASON_MAX} characters."})
    if has_control(reason, multiline=True):
        raise InvalidInput({"vote_reason": "Remove the control characters (such as NUL) from the text."})
    if vote is not own and not reason.strip():
        raise InvalidInput(
            {"vote_reason": f"Your scorecard said {own.label}: say what changed your mind to {vote.label}."}
        )
    return vote


def _debrief(session: Session, candidate_id: int) -> Debrief | None:
    return session.scalars(select(Debrief).where(Debrief.candidate_id == candidate_id)).one_or_none()


def _vote(session: Session, candidate_id: int, voter: str) -> SealedVote | None:
    return session.scalars(
        select(SealedVote).where(SealedVote.candidate_id == candidate_id, SealedVote.voter_id == voter)
    ).one_or_none()


def _panel(session: Session, candidate_id: int) -> dict[str, Recommendation]:
    """Each panel member with a scorecard in, in interview order, with their latest scorecard's call."""
    rows = session.execute(
        select(Interview.interviewer_id, Scorecard.recommendation)
        .join(Scorecard, Scorecard.interview_id == Interview.id)
        .where(Interview.candidate_id == candidate_id, Interview.status == InterviewStatus.SCHEDULED)
        .order_by(Interview.starts_at, Interview.id)
    ).all()
    panel: dict[str, Recommendation] = {}
    for voter, recommendation in rows:
        panel.pop(voter, None)  # re-inserted: ordered by their last interview
        panel[voter] = Recommendation(recommendation)
    return panel


def _lines(session: Session, candidate_id: int) -> list[VoteLine]:
    votes = {v.voter_id: v for v in session.scalars(select(SealedVote).where(SealedVote.candidate_id == candidate_id))}
    return [
        VoteLine(
            voter,
            own,
            Recommendation(votes[voter].recommendation) if voter in votes else None,
            votes[voter].reason if voter in votes else None,
        )
        for voter, own in _panel(session, candidate_id).items()
    ]
