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
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import InvalidInput, NotFound, SlackError, SlackTimeout
from bot.services import queries
from bot.services.ports import Gateway, Renderer
from bot.services.summary import Summary
from bot.services.vote_rules import (
    NUDGE_AFTER_MIN,
    VOTE_KINDS,
    Reveal,
    VoteAsk,
    VoteForm,
    VoteLine,
    VoteStatus,
    VoteStep,
    check_vote,
    speaking_order,
)
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


class VoteService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        render: Renderer,
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
            candidate, _ = self._open_for(session, candidate_id, voter, "be cast")
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
            self._open_for(session, candidate_id, voter, "change", lock=True)
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
            try:
                self.reveal(candidate_id, "last vote")
            except SlackError as exc:  # the vote is in; the sweep at the debrief's start reveals
                log.warning("reveal on the last vote failed: %s", exc.code)

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
                .returning(Debrief.id)
            ).first()
            if won is None:
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
