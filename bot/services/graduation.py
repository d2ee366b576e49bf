"""After the decision: each trainee's practice ratings beside the panel's, and graduation.

Blind rule: nothing here shows the panel's ratings to a trainee before their loop is decided.
Progress counts practice scorecards on decided loops only, so a trainee's count and agreement
are made of interviews whose panel is complete and final.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.config import Settings
from bot.errors import InvalidInput, PermissionDenied
from bot.fields import Field
from bot.services import pools
from bot.services.ports import Gateway
from bot.services.practice import (
    Agreement,
    Comparison,
    CompetencyLine,
    Progress,
    TrainingRenderer,
    agreement,
    panel_medians,
)
from bot.services.scorecard_form import ScorecardForm
from db.models import (
    Candidate,
    Interview,
    InterviewStatus,
    InterviewTrainee,
    LoopStatus,
    Reminder,
    ReminderKind,
    Scorecard,
)
from db.session import Database
from db.vocabulary import Decision, PoolRole, TraineeMode
from rubrics.loader import RubricError, RubricRegistry

log = logging.getLogger(__name__)

NOT_A_RECRUITER = "Only recruiters can mark someone trained. Ask your hirebot admin to add you to HIREBOT_RECRUITERS."


@dataclass(frozen=True)
class Practised:
    """One trainee's practice scorecard on a decided loop, with the panel it is compared to."""

    row: InterviewTrainee
    form: ScorecardForm
    medians: dict[str, float]
    agreement: Agreement


class GraduationService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        rubrics: RubricRegistry,
        settings: Settings,
        pool: pools.PoolService,
        render: TrainingRenderer,
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.settings = settings
        self.pool = pool
        self.render = render

    # After the decision: rows in the outbox, written with it

    def plan(self, session: Session, candidate_id: int) -> None:
        """In the decision's transaction: a comparison for each practice scorecard, and an offer
        for each recruiter when the decision made a trainee ready. They go out right after the
        decision and are retried by the sweeps, so a worker stopped meanwhile loses neither."""
        candidate = _decided_loop(session, candidate_id)
        if candidate is None or candidate.decided_at is None:
            return
        practised = _practised(session, candidate)
        due = candidate.decided_at
        for done in practised:
            session.add(
                Reminder(
                    kind=ReminderKind.PRACTICE_COMPARISON,
                    candidate_id=candidate_id,
                    interview_id=done.row.interview_id,
                    target_user_id=done.row.user_id,
                    due_at=due,
                )
            )
        if self._ready(session, candidate, practised):
            for recruiter in sorted(self.settings.recruiters):
                session.add(
                    Reminder(
                        kind=ReminderKind.GRADUATION_OFFER,
                        candidate_id=candidate_id,
                        target_user_id=recruiter,
                        due_at=due,
                    )
                )

    # The trainee's comparison

    def comparisons(self, candidate_id: int) -> list[Comparison]:
        """Every practice scorecard of a decided loop beside the panel's; none before the decision."""
        with self.db.transaction() as session:
            candidate = _decided_loop(session, candidate_id)
            if candidate is None:
                return []
            return [self._comparison(candidate, p) for p in _practised(session, candidate)]

    def _comparison(self, candidate: Candidate, done: Practised) -> Comparison:
        interview = done.row.interview
        pack = self.rubrics.get(candidate.pack)
        real = interview.scorecard
        theirs = {r.competency_key: r.rating for r in real.ratings} if real else {}
        lines = [
            CompetencyLine(
                name=next((c.name for c in pack.competencies if c.key == key), key),
                practice=rating,
                interviewer=theirs.get(key),
                panel_median=done.medians.get(key),
            )
            for key, rating in done.form.ratings.items()
        ]
        return Comparison(
            trainee_id=done.row.user_id,
            mode=TraineeMode(done.row.mode),
            candidate_name=candidate.name,
            stage_name=pack.stage_name(interview.stage_key),
            interviewer_id=real.interviewer_id if real else interview.interviewer_id,
            decision=Decision(candidate.decision or Decision.HOLD),  # a decided loop always has one
            lines=lines,
            practice_recommendation=done.form.recommendation or "",
            interviewer_recommendation=real.recommendation if real else None,
            agreement=done.agreement,
        )

    def send_comparison(self, interview_id: int, trainee: str) -> None:
        """DM a trainee their practice on one interview beside the panel's: the outbox's delivery
        of its row, so Slack's errors reach the outbox (retried, or shown on the card)."""
        with self.db.transaction() as session:
            interview = session.get(Interview, interview_id)
            candidate = _decided_loop(session, interview.candidate_id) if interview else None
            if candidate is None:
                return
            found = [
                self._comparison(candidate, done)
                for done in _practised(session, candidate)
                if (done.row.interview_id, done.row.user_id) == (interview_id, trainee)
            ]
        for comparison in found:  # one, or none if the practice was removed since
            message = self.render.comparison(comparison)
            self.slack.post_message(trainee, message.text, message.blocks)

    # Graduation

    def progress(self, session: Session, pack_key: str, stage: str, user: str) -> Progress:
        pack = self.rubrics.get(pack_key)
        query = (
            select(InterviewTrainee)
            .join(Interview, InterviewTrainee.interview_id == Interview.id)
            .join(Candidate, Interview.candidate_id == Candidate.id)
            .where(
                InterviewTrainee.user_id == user,
                Interview.stage_key == stage,
                Interview.status == InterviewStatus.SCHEDULED,
                Candidate.pack == pack_key,
                Candidate.status == LoopStatus.DECIDED,
            )
            .options(selectinload(InterviewTrainee.practice), selectinload(InterviewTrainee.interview))
        )
        counted = [row for row in session.scalars(query) if row.practice is not None]
        total = Agreement()
        for row in counted:
            form = ScorecardForm.from_json(row.practice.form)  # type: ignore[union-attr]
            total = total + agreement(form.ratings, _medians(session, row.interview.candidate_id))
        member = pools.member(session, pack_key, stage, user)
        needed = pack.training
        return Progress(
            user_id=user,
            pack=pack_key,
            stage=stage,
            role_name=pack.role,
            stage_name=pack.stage_name(stage),
            shadows=sum(1 for r in counted if r.mode is TraineeMode.SHADOW),
            reverse_shadows=sum(1 for r in counted if r.mode is TraineeMode.REVERSE_SHADOW),
            shadows_needed=needed.shadows if needed else 0,
            reverse_shadows_needed=needed.reverse_shadows if needed else 0,
            agreement=total,
            trained=member is not None and member.role is PoolRole.TRAINED,
        )

    def offers(self, candidate_id: int) -> list[Progress]:
        """The trainees of a decided loop who have now done their pack's practice and are not trained yet."""
        with self.db.transaction() as session:
            candidate = _decided_loop(session, candidate_id)
            return [] if candidate is None else self._ready(session, candidate, _practised(session, candidate))

    def _ready(self, session: Session, candidate: Candidate, practised: list[Practised]) -> list[Progress]:
        if not practised or self.rubrics.get(candidate.pack).training is None:
            return []
        seen = {(p.row.interview.stage_key, p.row.user_id) for p in practised}
        found = [self.progress(session, candidate.pack, stage, user) for stage, user in sorted(seen)]
        return [p for p in found if p.ready and not p.trained]

    def offer_graduation(self, candidate_id: int, recruiter: str) -> None:
        """DM a recruiter the decision's *Mark trained* offers, in one message: the outbox's
        delivery of its row. Nothing is sent if every trainee was marked trained meanwhile."""
        offers = self.offers(candidate_id)
        if offers:
            message = self.render.graduation_offers(offers)
            self.slack.post_message(recruiter, message.text, message.blocks)

    def mark_trained(self, actor: str, value: str) -> Progress:
        """The offer's button: the trainee becomes a trained member of the stage's pool."""
        if actor not in self.settings.recruiters:
            log.warning("refused mark trained: user %s is not a recruiter", actor)
            raise PermissionDenied(NOT_A_RECRUITER)
        pack, stage, user = _parse(value)
        try:
            key = self.pool.check_key(pack, stage)
        except (InvalidInput, RubricError):
            raise InvalidInput({Field.POOL_STAGE: "That stage is no longer in its rubric pack."}) from None
        self.pool.add(actor, key, [user], PoolRole.TRAINED)
        with self.db.transaction() as session:
            return self.progress(session, pack, stage, user)


def _parse(value: str) -> tuple[str, str, str]:
    parts = value.split("|")
    if len(parts) != 3 or not all(parts):
        raise InvalidInput({Field.POOL_STAGE: "That button is out of date; ask for a new offer."})
    return parts[0], parts[1], parts[2]


def _decided_loop(session: Session, candidate_id: int) -> Candidate | None:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.status is not LoopStatus.DECIDED or candidate.decision is None:
        return None
    return candidate


def _medians(session: Session, candidate_id: int) -> dict[str, float]:
    """The panel's median per competency over the loop's counted scorecards (never a practice one)."""
    cards = session.scalars(
        select(Scorecard)
        .join(Interview, Scorecard.interview_id == Interview.id)
        .where(Interview.candidate_id == candidate_id, Interview.status == InterviewStatus.SCHEDULED)
        .options(selectinload(Scorecard.ratings))
    )
    return panel_medians({r.competency_key: r.rating for r in card.ratings} for card in cards)


def _practised(session: Session, candidate: Candidate) -> list[Practised]:
    rows = session.scalars(
        select(InterviewTrainee)
        .join(Interview, InterviewTrainee.interview_id == Interview.id)
        .where(Interview.candidate_id == candidate.id, Interview.status == InterviewStatus.SCHEDULED)
        .options(
            selectinload(InterviewTrainee.practice),
            selectinload(InterviewTrainee.interview).selectinload(Interview.scorecard).selectinload(Scorecard.ratings),
        )
        .order_by(InterviewTrainee.id)
    ).all()
    if all(row.practice is None for row in rows):
        return []
    medians = _medians(session, candidate.id)
    done = []
    for row in rows:
        if row.practice is None:
            continue
        form = ScorecardForm.from_json(row.practice.form)
        done.append(Practised(row, form, medians, agreement(form.ratings, medians)))
    return done
