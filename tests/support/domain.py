"""Driving the services directly (no Slack edge), for the unit tests of tests/unit/services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.services.loops import InterviewPlan, NewLoop
from bot.services.reminders import INVITE_KINDS
from bot.services.scorecards import ScorecardForm, SubmitResult
from db.models import Reminder, ReminderStatus
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER, FakeWorld

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A London wall-clock time, 'YYYY-MM-DD HH:MM' (2030-03-04 is a Monday)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)


def new_loop(
    world: FakeWorld, name: str = "Ada Candidate", team: tuple[str, ...] = (PRIYA, OMAR), view_id: str = "V0UNIT0001"
) -> int:
    form = NewLoop(
        candidate_name=name,
        pack="ml-engineer",
        profile="balanced",
        recruiter_id=RECRUITER,
        hiring_manager_id=MANAGER,
        team=list(team),
        resume_url="https://ats.example.com/candidates/42",
    )
    loops = world.services.loops
    loops.validate_new_loop(form)
    candidate_id = loops.begin_loop(form, RECRUITER, view_id)
    assert candidate_id is not None
    opened = loops.open_loop(candidate_id)
    assert opened is not None and not opened.refused, opened
    return candidate_id


def plan(stage: str = "coding_round", who: str = PRIYA, when: str = "2030-03-06 14:00", minutes: int = 60):
    day, time = when.split()
    return InterviewPlan(stage_key=stage, interviewer_id=who, date=day, time=time, duration_minutes=minutes)


def form_for(world: FakeWorld, stage_key: str, rating: int = 3, **changes) -> ScorecardForm:
    """A complete, valid scorecard for one stage of the default pack: every competency rated."""
    stage = world.services.rubrics.get("ml-engineer").stage(stage_key)
    form = ScorecardForm(
        ratings=dict.fromkeys(stage.competencies, rating),
        evidence={k: "Explained the trade-off with numbers." for k in stage.competencies},
        recommendation="yes",
        notes="",
    )
    for name, value in changes.items():
        setattr(form, name, value)
    return form


def submit(world: FakeWorld, interview_id: int, who: str, stage_key: str = "coding_round", **changes) -> SubmitResult:
    return world.services.scorecards.submit(interview_id, who, form_for(world, stage_key, **changes))


def pending_reminders(world: FakeWorld, interview_id: int | None = None) -> dict[str, datetime]:
    """Pending reminder rows by kind (for one interview, or all), due times in London; calendar
    invites share the outbox but are not reminders (tests/unit/test_invites.py, tests/e2e/test_invites.py)."""
    with world.db.transaction() as session:
        query = select(Reminder).where(Reminder.status == ReminderStatus.PENDING, Reminder.kind.not_in(INVITE_KINDS))
        if interview_id is not None:
            query = query.where(Reminder.interview_id == interview_id)
        return {r.kind.value: r.due_at.astimezone(LONDON) for r in session.scalars(query)}
