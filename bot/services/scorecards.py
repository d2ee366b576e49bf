"""Scorecards: who may fill one, what a valid one is, exactly-once submission, and blind feedback.

Blind feedback is a rule of this module, not of the views: `panel` refuses to return anyone's
ratings to an interviewer who has not submitted their own scorecard for the candidate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.errors import NotFound, PermissionDenied
from bot.events import ScorecardSubmitted, record
from bot.services import scorecard_rows as rows
from bot.services.evidence_lint import lint
from bot.services.ports import Gateway
from bot.services.reminders import ReminderPlanner
from bot.services.scorecard_form import ScorecardForm, filled, normalised, validate
from db.models import (
    Candidate,
    Interview,
    InterviewStatus,
    LoopStatus,
    Reminder,
    ScorecardDraft,
)
from db.session import Database
from rubrics.loader import RubricRegistry
from rubrics.models import Recommendation, RubricPack, Stage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScorecardContext:
    """Everything the scorecard modal shows for one interview."""

    interview_id: int
    candidate_id: int
    candidate_name: str
    channel_id: str | None
    pack: RubricPack
    stage: Stage
    starts_at: datetime
    zone: str
    prefill: ScorecardForm | None
    submitted: bool


class EvidenceNudge(Exception):
    """Some evidence reads as an impression. Nothing is stored; the modal is redrawn from
    `context` (every submitted value as its prefill) with `nudges` beside those fields."""

    def __init__(self, context: ScorecardContext, nudges: dict[str, str]):
        super().__init__(f"{len(nudges)} evidence field(s) read as impressions")
        self.context = context
        self.nudges = nudges


@dataclass(frozen=True)
class SubmitResult:
    scorecard_id: int
    created: bool  # False: an edit, or a repeat of the same submission
    changed: bool
    amended: bool  # edited after the debrief summary was posted
    candidate_id: int
    candidate_name: str
    channel_id: str | None
    stage_name: str


@dataclass(frozen=True)
class PanelEntry:
    interviewer_id: str
    stage_name: str
    recommendation: Recommendation
    ratings: list[tuple[str, int, str | None]]  # (competency name, rating, evidence)
    flags: list[tuple[str, str]]  # (flag label, evidence)
    notes: str | None
    submitted_at: datetime
    amendments: int
    pack_ref: str
    # Positions in `ratings` whose evidence was kept as written after an impression nudge.
    impressions: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Panel:
    candidate_name: str
    entries: list[PanelEntry]
    expected: int


class ScorecardService:
    def __init__(
        self, db: Database, slack: Gateway, rubrics: RubricRegistry, clock: Clock, reminders: ReminderPlanner, zone: str
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.clock = clock
        self.reminders = reminders
        self.zone = zone

    # Opening the modal

    def context(self, interview_id: int, user_id: str) -> ScorecardContext:
        with self.db.transaction() as session:
            interview = self._assigned(session, interview_id, user_id)
            pack = self.rubrics.get(interview.pack)
            prefill: ScorecardForm | None = None
            if interview.scorecard is not None:
                prefill = interview.scorecard.form()
            else:
                draft = _draft(session, interview_id, user_id)
                if draft is not None:
                    prefill = ScorecardForm.from_json(draft.values)
            return _context(interview, pack, prefill)

    def _assigned(self, session: Session, interview_id: int, user_id: str) -> rows.InterviewState:
        interview = rows.read(session.connection(), interview_id)
        if interview is None:
            raise NotFound("That interview no longer exists.")
        self._check_assigned(interview, user_id)
        return interview

    def _check_assigned(self, interview: rows.InterviewState, user_id: str) -> None:
        """Only the scorecard's author (before it exists, the interview's interviewer) may open,
        draft or submit it; a refusal is audited."""
        if interview.loop_status is LoopStatus.PURGED:
            raise NotFound("That interview no longer exists.")
        if interview.author != user_id:
            # Ids only: this is a security signal, and ids are what an admin can act on.
            log.warning("refused scorecard access: interview %d, user %s is not its interviewer", interview.id, user_id)
            # Its own transaction: the caller's is about to roll back with the refusal.
            with self.db.transaction() as audit:
                details = {"interview": interview.id}
                rows.audit(audit.connection(), user_id, "scorecard.refused", interview.candidate_id, details)
            raise PermissionDenied("Only the interviewer assigned to this interview can fill in its scorecard.")
        if interview.status is InterviewStatus.CANCELLED:
            raise NotFound("This interview was cancelled, so it has no scorecard.")

    # Drafts

    def save_draft(self, interview_id: int, user_id: str, form: ScorecardForm) -> bool:
        """Keep what was typed in a modal closed without submitting. False if nothing to keep."""
        with self.db.transaction() as session:
            interview = self._assigned(session, interview_id, user_id)
            if interview.scorecard is not None:
                return False  # closing the edit modal of a submitted scorecard changes nothing
            draft = _draft(session, interview_id, user_id)
            if draft is None:
                session.add(
                    ScorecardDraft(
                        interview_id=interview_id,
                        interviewer_id=user_id,
                        values=form.to_json(),
                        updated_at=self.clock(),
                    )
                )
            else:
                draft.values = form.to_json()
                draft.updated_at = self.clock()
        return True

    # Submitting

    def submit(self, interview_id: int, user_id: str, form: ScorecardForm, keep_wording: bool = False) -> SubmitResult:
        """Store the scorecard exactly once; a later, different submission is an edit of it.

        Evidence that reads as an impression raises EvidenceNudge instead, unless the
        interviewer chose to keep their wording (it is then stored, marked)."""
        try:
            return self._store(interview_id, user_id, form, keep_wording)
        except IntegrityError:
            # Another request for the same interview inserted first (a double click, a retry,
            # two open modals). The unique constraint kept one row; apply ours as an edit of it.
            log.info("concurrent scorecard submission for interview %d; treating as an edit", interview_id)
            return self._store(interview_id, user_id, form, keep_wording)

    def _store(self, interview_id: int, user_id: str, form: ScorecardForm, keep_wording: bool = False) -> SubmitResult:
        now = self.clock()
        with self.db.statements() as unit:
            conn = unit.connection
            interview = rows.lock(conn, interview_id)
            if interview is None:
                raise NotFound("That interview no longer exists.")
            if interview.author != user_id:
                self._check_assigned(interview, user_id)  # raises, and records the refusal
            if interview.loop_status is not LoopStatus.OPEN:
                raise PermissionDenied("This loop is closed; its scorecards can no longer change.")
            pack = self.rubrics.get(interview.pack)
            stage = pack.stage(interview.stage_key)
            validate(form, pack, stage)
            existing = interview.scorecard
            if existing is not None and existing.form() == normalised(form, stage):
                return _result(interview, existing.id, created=False, changed=False, amended=False, stage=stage)
            nudges = {} if keep_wording else lint(normalised(form, stage).evidence, pack, stage)
            if nudges:
                raise EvidenceNudge(_context(interview, pack, form), nudges)
            scorecard = filled(form, pack, stage, now)
            amended = existing is not None and interview.debrief_posted
            created = existing is None
            action = "scorecard.submitted" if created else ("scorecard.amended" if amended else "scorecard.edited")
            scorecard_id = (
                rows.insert_scorecard(conn, interview, user_id, scorecard) if existing is None else existing.id
            )
            # Every write after that needs no answer: on PostgreSQL they go with the COMMIT in
            # one round trip, so an edit is 3 round trips in all and a first submission 4 (its
            # scorecard's INSERT answers with the id the rest need). Each round trip is the
            # database's work as well as the worker's.
            unit.together_with_commit()
            if existing is None:
                rows.insert_answers(conn, scorecard_id, scorecard)
                rows.stop_chasing(conn, interview, now)
            else:
                rows.update_scorecard(conn, existing, scorecard, existing.amendments + int(amended))
            details = {"interview": interview.id, "pack": pack.ref}
            rows.audit(conn, user_id, action, interview.candidate_id, details)
            record(unit, ScorecardSubmitted(interview.candidate_id, user_id, created))
            return _result(interview, scorecard_id, created=created, changed=True, amended=amended, stage=stage)

    def snooze(self, reminder_id: int, user_id: str, until_tomorrow: bool) -> datetime:
        """'Remind me later' from a reminder DM; only the person it chases may move it."""
        with self.db.transaction() as session:
            row = session.get(Reminder, reminder_id)
            if row is None or row.interview_id is None:
                raise NotFound("That reminder no longer exists.")
            if row.target_user_id != user_id:
                raise PermissionDenied("Only the person a reminder is for can snooze it.")
            interview = session.get(Interview, row.interview_id)
            if interview is None or interview.scorecard is not None:
                raise NotFound("That scorecard is already in, so there is nothing to snooze.")
            return self.reminders.snooze(session, interview, self.clock(), until_tomorrow)

    # Blind feedback

    def panel(self, candidate_id: int, viewer: str) -> Panel:
        with self.db.transaction() as session:
            candidate = session.scalar(
                select(Candidate)
                .where(Candidate.id == candidate_id)
                .options(selectinload(Candidate.interviews).selectinload(Interview.scorecard))
            )
            if candidate is None or candidate.status is LoopStatus.PURGED:
                raise NotFound("That hiring loop no longer exists.")
            interviews = [i for i in candidate.interviews if i.status is InterviewStatus.SCHEDULED]
            # Blind until your own is in; the pre-read, once posted, opens the panel to the whole team.
            posted = candidate.debrief is not None and candidate.debrief.posted_at is not None
            sees_all = viewer in (candidate.recruiter_id, candidate.hiring_manager_id) or (
                posted and viewer in {m.user_id for m in candidate.team}
            )
            own = [i for i in interviews if i.scorecard is not None and i.scorecard.interviewer_id == viewer]
            if not sees_all and not own:
                raise PermissionDenied(
                    "Feedback stays blind until you've submitted your own scorecard for this candidate."
                )
            pack = self.rubrics.get(candidate.pack)
            entries = [
                _entry(i, pack) for i in sorted(interviews, key=lambda i: i.starts_at) if i.scorecard is not None
            ]
            return Panel(candidate_name=candidate.name, entries=entries, expected=len(interviews))


def _draft(session: Session, interview_id: int, user_id: str) -> ScorecardDraft | None:
    return session.scalar(
        select(ScorecardDraft).where(
            ScorecardDraft.interview_id == interview_id, ScorecardDraft.interviewer_id == user_id
        )
    )


def _result(
    interview: rows.InterviewState, scorecard_id: int, *, created: bool, changed: bool, amended: bool, stage: Stage
) -> SubmitResult:
    return SubmitResult(
        scorecard_id=scorecard_id,
        created=created,
        changed=changed,
        amended=amended,
        candidate_id=interview.candidate_id,
        candidate_name=interview.candidate_name,
        channel_id=interview.channel_id,
        stage_name=stage.name,
    )


def _context(interview: rows.InterviewState, pack: RubricPack, prefill: ScorecardForm | None) -> ScorecardContext:
    return ScorecardContext(
        interview_id=interview.id,
        candidate_id=interview.candidate_id,
        candidate_name=interview.candidate_name,
        channel_id=interview.channel_id,
        pack=pack,
        stage=pack.stage(interview.stage_key),
        starts_at=interview.starts_at,
        zone=interview.timezone,
        prefill=prefill,
        submitted=interview.scorecard is not None,
    )


def _entry(interview: Interview, pack: RubricPack) -> PanelEntry:
    card = interview.scorecard
    assert card is not None
    return PanelEntry(
        interviewer_id=card.interviewer_id,
        stage_name=pack.stage_name(interview.stage_key),
        recommendation=Recommendation(card.recommendation),
        # Names as they were when the scorecard was filled: a later YAML edit can't rewrite history.
        ratings=[(r.competency_name, r.rating, r.evidence) for r in card.ratings],
        flags=[(f.flag_label, f.evidence) for f in card.red_flags],
        notes=card.notes,
        submitted_at=card.submitted_at,
        amendments=card.amendments,
        pack_ref=f"{card.pack}@{card.pack_version}",
        impressions=frozenset(n for n, r in enumerate(card.ratings) if r.impression),
    )
