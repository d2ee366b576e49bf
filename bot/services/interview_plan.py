"""Planning one interview: the plan a person typed, its checks, and the interview rows it may change.

Pure checks of a plan (`validate_plan`) and the row reads the loop service takes before it
moves an interview, kept apart from the service's transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.fields import Field
from bot.services.checks import bad_user_id
from db.models import Interview, InterviewStatus, Scorecard
from rubrics.models import RubricPack

SCORECARD_IN = (
    "This interview's scorecard is already in, so its interviewer, stage and time can no longer change. "
    "Add a new interview instead."
)
# Dates a person can mean. Outside them a date is a slip (or a forged payload), and the far
# ones would overflow once reminders are planned from them. Five years, not two: teams plan
# loops for roles that open later, and a typo in the year still lands far outside it.
EARLIEST_INTERVIEW = datetime(2000, 1, 1, tzinfo=UTC)
HORIZON = timedelta(days=5 * 365)


@dataclass(frozen=True)
class InterviewPlan:
    stage_key: str
    interviewer_id: str
    date: str  # YYYY-MM-DD, as Slack's datepicker gives it
    time: str  # HH:MM, in the interviewer's own time zone
    duration_minutes: int


def get_interview(session: Session, interview_id: int) -> Interview:
    interview = session.get(Interview, interview_id)
    if interview is None:
        raise NotFound("That interview no longer exists.")
    return interview


def lock(session: Session, interview_id: int) -> Interview:
    """The interview, its row locked as ScorecardService._lock locks it (SQLite has one writer).

    Nothing is joined: a joined scorecard would be read from before the lock was granted."""
    interview = session.scalar(select(Interview).where(Interview.id == interview_id).with_for_update())
    if interview is None:
        raise NotFound("That interview no longer exists.")
    return interview


def ensure_movable(session: Session, interview: Interview) -> None:
    """A reschedule changes who, what stage and when; none of that may change under a scorecard."""
    if interview.status is InterviewStatus.CANCELLED:
        raise InvalidInput({Field.START_DATE: "This interview was cancelled; add a new one instead."})
    # Its own statement, so that it sees a scorecard committed while this one waited for the lock.
    if session.scalar(select(Scorecard.id).where(Scorecard.interview_id == interview.id)) is not None:
        raise InvalidInput({Field.STAGE: SCORECARD_IN})


def parse_local(date: str, time: str, zone: ZoneInfo, block: str) -> datetime:
    try:
        naive = datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M")
        local = naive.replace(tzinfo=zone)
        local.astimezone(UTC)  # year 1 or 9999 can fall off the calendar in UTC
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput({block: "Pick a date and a time."}) from None
    return local


def validate_plan(plan: InterviewPlan, pack: RubricPack, zone: str, now: datetime) -> datetime:
    problems: dict[str, str] = {}
    if plan.stage_key not in {s.key for s in pack.stages}:
        problems[Field.STAGE] = "Pick one of this role's stages."
    if not plan.interviewer_id or bad_user_id(plan.interviewer_id):
        problems[Field.INTERVIEWER] = "Pick the interviewer."
    if not 10 <= plan.duration_minutes <= 480:
        problems[Field.DURATION] = "Between 10 and 480 minutes."
    try:
        starts_at = parse_local(plan.date, plan.time, ZoneInfo(zone), Field.START_DATE)
        if not EARLIEST_INTERVIEW <= starts_at.astimezone(UTC) <= now + HORIZON:
            problems[Field.START_DATE] = (
                f"Pick a date between {EARLIEST_INTERVIEW.year} and {(now + HORIZON):%Y-%m-%d}."
            )
    except InvalidInput as exc:
        problems.update(exc.errors)
        starts_at = None
    if problems or starts_at is None:
        raise InvalidInput(problems)
    # Past start times are allowed on purpose: interviews are often logged after they happen.
    return starts_at
