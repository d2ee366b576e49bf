"""The reminder outbox: rows written in the same transaction as the change that causes them.

This module plans rows; sending them is the dispatcher's job. Planning is idempotent: a
reschedule cancels an interview's pending rows and plans them again from the new times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.orm import Session

from bot.services.invites import hiring_team
from bot.services.people import PeopleHours
from bot.services.workhours import WorkingHours
from db.models import (
    Candidate,
    Interview,
    InterviewStatus,
    InterviewTrainee,
    Reminder,
    ReminderKind,
    ReminderStatus,
)

PREP_KIT_BEFORE = timedelta(minutes=30)
FIRST_CHASER_AFTER = timedelta(hours=1)
NUDGE_BEFORE_DEBRIEF = timedelta(hours=3)
SUMMARY_BEFORE_DEBRIEF = timedelta(hours=1)
ESCALATE_AFTER_WORKING_DAYS = 2

INTERVIEW_KINDS = (ReminderKind.PREP_KIT, ReminderKind.SCORECARD_DUE, ReminderKind.CHASER, ReminderKind.ESCALATION)
# A moved debrief moves the reveal too: the pre-read posted again at the new time plans it anew.
DEBRIEF_KINDS = (ReminderKind.PRE_DEBRIEF_NUDGE, ReminderKind.DEBRIEF_SUMMARY, ReminderKind.VOTE_REVEAL)
INVITE_KINDS = (ReminderKind.INVITE, ReminderKind.INVITE_CANCEL)
# Feedback is in: no 'due' DM, chaser or escalation arrives after the fact (the prep kit has gone).
STOPPED_BY_A_SCORECARD = (ReminderKind.SCORECARD_DUE, ReminderKind.CHASER, ReminderKind.ESCALATION)


class Timed(Protocol):
    """What interview_end reads: an Interview, or a read model's row standing in for one."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def duration_minutes(self) -> int: ...


def interview_end(interview: Timed) -> datetime:
    return interview.starts_at + timedelta(minutes=interview.duration_minutes)


class ReminderPlanner:
    def __init__(
        self,
        hours: WorkingHours | None = None,
        prep_kit_before: timedelta = PREP_KIT_BEFORE,
        first_chaser_after: timedelta = FIRST_CHASER_AFTER,
        nudge_before_debrief: timedelta = NUDGE_BEFORE_DEBRIEF,
        escalate_after_working_days: int = ESCALATE_AFTER_WORKING_DAYS,
        summary_before_debrief: timedelta = SUMMARY_BEFORE_DEBRIEF,
        people: PeopleHours | None = None,
    ):
        self.hours = hours or WorkingHours()
        self.people = people or PeopleHours(self.hours)
        self.prep_kit_before = prep_kit_before
        self.first_chaser_after = first_chaser_after
        self.nudge_before_debrief = nudge_before_debrief
        self.escalate_after_working_days = escalate_after_working_days
        self.summary_before_debrief = summary_before_debrief

    def plan_interview(self, session: Session, interview: Interview) -> None:
        self.cancel_interview(session, interview)
        if interview.status is InterviewStatus.CANCELLED:
            return
        end = interview_end(interview)
        hours = self.people.of(session, interview.interviewer_id)
        rows = [
            (ReminderKind.PREP_KIT, interview.starts_at - self.prep_kit_before, interview.interviewer_id),
            (ReminderKind.SCORECARD_DUE, end, interview.interviewer_id),
            (ReminderKind.CHASER, end + self.first_chaser_after, interview.interviewer_id),
            # Two working days overdue, counted in the interviewer's own calendar.
            (
                ReminderKind.ESCALATION,
                hours.add_working_days(end, self.escalate_after_working_days, interview.timezone),
                interview.candidate.recruiter_id,
            ),
        ]
        trainees = session.scalars(
            select(InterviewTrainee.user_id).where(InterviewTrainee.interview_id == interview.id)
        )
        # Trainees get the same prep kit, and nothing else: their scorecard is practice, never chased.
        rows += [(ReminderKind.PREP_KIT, interview.starts_at - self.prep_kit_before, user) for user in trainees]
        session.add_all(_interview_row(interview, kind, target, due) for kind, due, target in rows)

    def plan_trainee_kit(self, session: Session, interview: Interview, user: str) -> None:
        """A trainee added to a planned interview: their prep kit, due when the interviewer's is."""
        session.add(_interview_row(interview, ReminderKind.PREP_KIT, user, interview.starts_at - self.prep_kit_before))

    def tell_trainee(self, session: Session, interview: Interview, user: str, now: datetime) -> None:
        """The trainee's DM saying what they joined, due now (sent after the ack, retried by sweeps)."""
        session.add(_interview_row(interview, ReminderKind.TRAINEE_NOTICE, user, now))

    def cancel_interview(self, session: Session, interview: Interview, kinds=INTERVIEW_KINDS) -> None:
        _cancel(session, Reminder.interview_id == interview.id, Reminder.kind.in_(kinds))

    def cancel_loop(self, session: Session, candidate_id: int) -> int:
        """A decided loop: nothing more to remind anyone of. Returns how many were cancelled."""
        return _cancel(session, Reminder.candidate_id == candidate_id)

    def announce_decision(self, session: Session, candidate_id: int, actor: str, now: datetime) -> None:
        """The decision's post in the loop's channel, due now: a row written with the decision,
        so a worker stopped before posting it leaves it to the next sweep instead of losing it."""
        session.add(Reminder(kind=ReminderKind.DECISION, candidate_id=candidate_id, target_user_id=actor, due_at=now))

    def chase_at(self, session: Session, interview: Interview, due: datetime, *, keep_existing: bool) -> None:
        """Set when the interview's next chaser is due, creating it if there is none.

        With keep_existing, a chaser already pending is left as it is (the dispatcher planning
        the next one); without, it is moved (a snooze).
        """
        pending = session.scalars(
            select(Reminder).where(
                Reminder.interview_id == interview.id,
                Reminder.kind == ReminderKind.CHASER,
                Reminder.status == ReminderStatus.PENDING,
            )
        ).all()
        if pending and keep_existing:
            return
        for chaser in pending:
            chaser.due_at = due
        if not pending:
            session.add(_chaser(interview, due))

    def chase_next(self, session: Session, due: dict[Interview, datetime]) -> None:
        """After a chaser went out: each interview's next chaser, unless one is pending already.

        One query for all the interviews of a digest (chase_at per interview was one each, and
        in a 09:30 burst most of the time between two DMs)."""
        pending = set(
            session.scalars(
                select(Reminder.interview_id).where(
                    Reminder.interview_id.in_([i.id for i in due]),
                    Reminder.kind == ReminderKind.CHASER,
                    Reminder.status == ReminderStatus.PENDING,
                )
            )
        )
        session.add_all(_chaser(interview, at) for interview, at in due.items() if interview.id not in pending)

    def snooze(self, session: Session, interview: Interview, now: datetime, until_tomorrow: bool) -> datetime:
        """Chase again in two working hours, or at chaser time on the next working day, their time."""
        zone = interview.timezone
        hours = self.people.of(session, interview.interviewer_id)
        until = (
            hours.next_working_day_at(now, zone, hours.chaser_at)
            if until_tomorrow
            else hours.next_open(now + timedelta(hours=2), zone)
        )
        self.chase_at(session, interview, until, keep_existing=False)
        return until

    def plan_debrief(self, session: Session, candidate: Candidate) -> None:
        _cancel(session, Reminder.candidate_id == candidate.id, Reminder.kind.in_(DEBRIEF_KINDS))
        if candidate.debrief is None:
            return
        at = candidate.debrief.scheduled_at
        # The pre-read is posted at this time even if every scorecard is in earlier: blind
        # feedback holds until then.
        session.add(
            Reminder(
                kind=ReminderKind.DEBRIEF_SUMMARY,
                candidate_id=candidate.id,
                target_user_id=candidate.recruiter_id,
                due_at=at - self.summary_before_debrief,
            )
        )
        session.add(
            Reminder(
                kind=ReminderKind.PRE_DEBRIEF_NUDGE,
                candidate_id=candidate.id,
                target_user_id=candidate.recruiter_id,
                due_at=at - self.nudge_before_debrief,
            )
        )

    # Calendar invites: due at once, sent by the dispatcher (bot/services/invite_sending.py).

    def invite_interview(
        self,
        session: Session,
        interview: Interview,
        now: datetime,
        *,
        previous: str | None = None,
        changed: bool = True,
    ) -> None:
        """The interviewer's invite after a change (a cancellation when the interview is cancelled);
        a new interviewer means a cancellation for the one before."""
        if changed:
            interview.invite_sequence += 1
        rows = [(interview.interviewer_id, interview.status is InterviewStatus.CANCELLED)]
        if previous and previous != interview.interviewer_id:
            rows.insert(0, (previous, True))
        self._invite(session, interview.candidate_id, interview.id, rows, now)

    def invite_debrief(self, session: Session, candidate: Candidate, now: datetime, *, changed: bool) -> None:
        """The debrief invite, to everyone on the hiring team."""
        if changed:
            candidate.debrief.invite_sequence += 1  # type: ignore[union-attr]
        team = hiring_team(candidate.recruiter_id, candidate.hiring_manager_id, [m.user_id for m in candidate.team])
        self._invite(session, candidate.id, None, [(user, False) for user in team], now)

    @staticmethod
    def _invite(
        session: Session, candidate_id: int, interview_id: int | None, rows: list[tuple[str, bool]], now: datetime
    ) -> None:
        # A person's unsent invite for this event is superseded: the new row carries the latest state.
        event = Reminder.interview_id.is_(None) if interview_id is None else Reminder.interview_id == interview_id
        targets = [user for user, _ in rows]
        kinds = Reminder.kind.in_(INVITE_KINDS)
        _cancel(session, Reminder.candidate_id == candidate_id, event, kinds, Reminder.target_user_id.in_(targets))
        for user, cancel in rows:
            session.add(
                Reminder(
                    kind=ReminderKind.INVITE_CANCEL if cancel else ReminderKind.INVITE,
                    candidate_id=candidate_id,
                    interview_id=interview_id,
                    target_user_id=user,
                    due_at=now,
                )
            )


def _interview_row(interview: Interview, kind: ReminderKind, target: str, due: datetime) -> Reminder:
    return Reminder(
        kind=kind, candidate_id=interview.candidate_id, interview_id=interview.id, target_user_id=target, due_at=due
    )


def _chaser(interview: Interview, due: datetime) -> Reminder:
    return _interview_row(interview, ReminderKind.CHASER, interview.interviewer_id, due)


def _cancel(session: Session, *where: ColumnElement[bool]) -> int:
    """Cancel the pending reminders that match; sent and failed ones stay as history."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.status == ReminderStatus.PENDING, *where)
        .values(status=ReminderStatus.CANCELLED)
    )
    # Session.execute is typed as Result; an UPDATE's is a CursorResult, which has rowcount.
    return cast("CursorResult[Any]", result).rowcount
