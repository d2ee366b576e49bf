"""Shadows and reverse shadows: adding a trainee to an interview, and their practice scorecard.

A trainee is never on the panel. Their scorecard is stored in `practice_scorecards`, apart from
`scorecards`, so no pre-read, tally, decision rule, statistic or reminder can count it; nobody
sees it but the trainee, and the trainee sees the panel's ratings only once the loop is decided
(graduation.py). In a reverse shadow the trainee leads and the trained interviewer observes:
the interviewer's scorecard is still the one that counts.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.config import Settings
from bot.errors import InvalidInput, NotFound, PermissionDenied, SlackError
from bot.events import TraineeAdded, TraineeNoticeDue, record
from bot.fields import Field
from bot.mrkdwn import mention
from bot.services import queries
from bot.services.checks import bad_user_id
from bot.services.ports import Gateway
from bot.services.practice import TraineeNotice, TraineeSlot, TrainingRenderer
from bot.services.reminders import ReminderPlanner
from bot.services.scorecard_form import ScorecardForm, normalised, validate
from bot.services.scorecards import ScorecardContext
from db.models import Candidate, Interview, InterviewStatus, InterviewTrainee, LoopStatus, PracticeScorecard
from db.session import Database
from db.vocabulary import TraineeMode
from rubrics.loader import RubricRegistry
from rubrics.models import RubricPack

log = logging.getLogger(__name__)

MAX_TRAINEES = 3  # per interview: more than this and the candidate is the one being watched
NOT_YOURS = "Only the trainee added to this interview can fill in its practice scorecard."


class TrainingService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        rubrics: RubricRegistry,
        settings: Settings,
        clock: Clock,
        reminders: ReminderPlanner,
        render: TrainingRenderer,
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.settings = settings
        self.clock = clock
        self.reminders = reminders
        self.render = render

    # Adding a trainee

    def ensure_can_add(self, candidate: Candidate, actor: str) -> None:
        """The loop's recruiter and hiring manager, and any recruiter of HIREBOT_RECRUITERS."""
        if actor not in self.settings.recruiters:
            queries.ensure_runs_loop(candidate, actor, "add a trainee to its interviews")

    def slot(self, interview_id: int, actor: str) -> TraineeSlot:
        """What the Add a trainee modal shows, once the actor may add one."""
        with self.db.transaction() as session:
            interview = self._open_interview(session, interview_id)
            self.ensure_can_add(interview.candidate, actor)
            pack = self.rubrics.get(interview.candidate.pack)
            return TraineeSlot(
                interview_id=interview.id,
                candidate_name=interview.candidate.name,
                stage_name=pack.stage_name(interview.stage_key),
                interviewer_id=interview.interviewer_id,
                starts_at=interview.starts_at,
                zone=interview.timezone,
                trainees=[(t.user_id, TraineeMode(t.mode)) for t in _trainees(session, interview_id)],
            )

    def add_trainee(self, interview_id: int, actor: str, user: str, mode: str) -> None:
        """Add `user` as a shadow or reverse shadow; again for someone already there changes their mode."""
        problems = self._form_problems(user, mode)
        if problems:
            raise InvalidInput(problems)
        try:
            self._add(interview_id, actor, user, TraineeMode(mode))
        except IntegrityError:  # a double submission inserted first: the second is the same change
            log.info("concurrent trainee addition on interview %d; the first one stands", interview_id)

    @staticmethod
    def _form_problems(user: str, mode: str) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not user or bad_user_id(user):
            problems[Field.TRAINEE] = "Pick the person who is training."
        if mode not in {m.value for m in TraineeMode}:
            problems[Field.TRAINEE_MODE] = "Choose shadow or reverse shadow."
        return problems

    def _add(self, interview_id: int, actor: str, user: str, mode: TraineeMode) -> None:
        with self.db.transaction() as session:
            interview = self._open_interview(session, interview_id)
            candidate = interview.candidate
            self.ensure_can_add(candidate, actor)
            if user in _panel(candidate):
                raise InvalidInput(
                    {Field.TRAINEE: "They are on this loop's panel or hiring team: a trainee must come to it blind."}
                )
            trainees = {t.user_id: t for t in _trainees(session, interview_id)}
            existing = trainees.get(user)
            if existing is not None:
                existing.mode = mode
            elif len(trainees) >= MAX_TRAINEES:
                raise InvalidInput({Field.TRAINEE: f"An interview takes at most {MAX_TRAINEES} trainees."})
            else:
                session.add(
                    InterviewTrainee(
                        interview_id=interview_id, user_id=user, mode=mode, added_by=actor, added_at=self.clock()
                    )
                )
                session.flush()
                self.reminders.plan_trainee_kit(session, interview, user)
            self.reminders.tell_trainee(session, interview, user, self.clock())
            details = {"interview": interview_id, "trainee": user, "mode": mode.value}
            session.add(queries.audit(actor, "trainee.added", candidate.id, details))
            record(session, TraineeAdded(candidate.id, interview_id, user, actor))

    def _open_interview(self, session: Session, interview_id: int) -> Interview:
        interview = session.scalar(
            select(Interview).where(Interview.id == interview_id).options(selectinload(Interview.candidate))
        )
        if interview is None or interview.candidate.status is LoopStatus.PURGED:
            raise NotFound("That interview no longer exists.")
        if interview.status is InterviewStatus.CANCELLED:
            raise InvalidInput({Field.TRAINEE: "This interview was cancelled."})
        if interview.candidate.status is not LoopStatus.OPEN:
            raise InvalidInput({Field.TRAINEE: "This loop is closed; its interviews take no more trainees."})
        return interview

    def tell_trainee(self, event: TraineeNoticeDue) -> None:
        """DM the trainee what they are joining, with their practice scorecard's button.

        The outbox's delivery of its row: Slack's errors go to the outbox, which retries a
        passing one and shows one for good on the card; whoever added the trainee hears of
        that one too, as it is theirs to fix."""
        with self.db.transaction() as session:
            row = _trainee(session, event.interview_id, event.trainee)
            if row is None:
                return
            interview, added_by = row.interview, row.added_by
            pack = self.rubrics.get(interview.candidate.pack)
            notice = TraineeNotice(
                trainee_id=row.user_id,
                mode=TraineeMode(row.mode),
                interview_id=interview.id,
                candidate_name=interview.candidate.name,
                stage_name=pack.stage_name(interview.stage_key),
                interviewer_id=interview.interviewer_id,
                starts_at=interview.starts_at,
                zone=interview.timezone,
            )
        message = self.render.trainee_notice(notice)
        try:
            self.slack.post_message(notice.trainee_id, message.text, message.blocks)
        except SlackError as exc:
            if not exc.retryable:
                self._tell_adder(added_by, notice.trainee_id, exc.code)
            raise

    def _tell_adder(self, added_by: str, trainee: str, code: str) -> None:
        sentence = (
            f"I couldn't DM {mention(trainee)} that they're training on this interview (Slack said {code}). "
            "They are still on it: their prep kit brings the practice scorecard."
        )
        try:
            self.slack.post_message(added_by, sentence)
        except SlackError as exc:  # the card still shows the failure
            log.warning("could not tell %s that a trainee notice failed: %s", added_by, exc.code)

    # The practice scorecard

    def practice_context(self, interview_id: int, user: str) -> ScorecardContext:
        with self.db.transaction() as session:
            row = self._own(session, interview_id, user)
            pack = self.rubrics.get(row.interview.candidate.pack)
            prefill = ScorecardForm.from_json(row.practice.form) if row.practice else None
            return _context(row.interview, pack, prefill, submitted=row.practice is not None)

    def submit_practice(self, interview_id: int, user: str, form: ScorecardForm) -> ScorecardContext:
        """Store (or replace) the trainee's practice scorecard; returns what the receipt names."""
        with self.db.transaction() as session:
            row = self._own(session, interview_id, user)
            interview = row.interview
            if interview.candidate.status is not LoopStatus.OPEN:
                raise PermissionDenied("This loop is decided, so practice scorecards are closed. See your DMs.")
            pack = self.rubrics.get(interview.candidate.pack)
            stage = pack.stage(interview.stage_key)
            validate(form, pack, stage)
            now = self.clock()
            created = row.practice is None
            practice = row.practice or PracticeScorecard(submitted_at=now)
            practice.pack, practice.pack_version = pack.pack, pack.version
            practice.form, practice.updated_at = normalised(form, stage).to_json(), now
            row.practice = practice
            action = "practice.submitted" if created else "practice.edited"
            session.add(queries.audit(user, action, interview.candidate_id, {"interview": interview.id}))
            return _context(interview, pack, None, submitted=not created)

    def _own(self, session: Session, interview_id: int, user: str) -> InterviewTrainee:
        row = _trainee(session, interview_id, user)
        if row is None:
            log.warning("refused practice scorecard: interview %d, user %s is not its trainee", interview_id, user)
            raise PermissionDenied(NOT_YOURS)
        if row.interview.candidate.status is LoopStatus.PURGED:
            raise NotFound("That interview no longer exists.")
        if row.interview.status is InterviewStatus.CANCELLED:
            raise NotFound("This interview was cancelled, so it has no practice scorecard.")
        return row


def _trainees(session: Session, interview_id: int) -> list[InterviewTrainee]:
    query = select(InterviewTrainee).where(InterviewTrainee.interview_id == interview_id)
    return list(session.scalars(query.order_by(InterviewTrainee.added_at, InterviewTrainee.id)))


def _trainee(session: Session, interview_id: int, user: str) -> InterviewTrainee | None:
    return session.scalar(
        select(InterviewTrainee)
        .where(InterviewTrainee.interview_id == interview_id, InterviewTrainee.user_id == user)
        .options(
            selectinload(InterviewTrainee.interview).selectinload(Interview.candidate),
            selectinload(InterviewTrainee.practice),
        )
    )


def _panel(candidate: Candidate) -> set[str]:
    """Everyone who may see the panel's scorecards before the decision."""
    people = {candidate.recruiter_id, candidate.hiring_manager_id}
    people |= {m.user_id for m in candidate.team}
    people |= {i.interviewer_id for i in candidate.interviews if i.status is InterviewStatus.SCHEDULED}
    return people


def _context(
    interview: Interview, pack: RubricPack, prefill: ScorecardForm | None, submitted: bool
) -> ScorecardContext:
    candidate = interview.candidate
    return ScorecardContext(
        interview_id=interview.id,
        candidate_id=candidate.id,
        candidate_name=candidate.name,
        channel_id=None,  # the trainee is not in the candidate's channel: its pre-read holds the panel's scores
        pack=pack,
        stage=pack.stage(interview.stage_key),
        starts_at=interview.starts_at,
        zone=interview.timezone,
        prefill=prefill,
        submitted=submitted,
    )
