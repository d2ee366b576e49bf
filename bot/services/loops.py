"""Loops: opening one, planning its interviews and debrief, and who may change what.

The rules live here; Slack payloads do not. Every public method takes typed arguments and
either returns a domain value or raises a domain error from bot/errors.py.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Settings
from bot.errors import InvalidInput, NotFound, PermissionDenied, SlackError, SlackTargetGone, WrongPlace
from bot.events import (
    DebriefScheduled,
    InterviewCancelled,
    InterviewPlanned,
    InterviewRescheduled,
    LoopOpened,
    SetupRetried,
    record,
)
from bot.fields import Field
from bot.mrkdwn import command, url_problem
from bot.services import queries
from bot.services.checks import bad_user_id, has_control
from bot.services.interview_plan import (
    HORIZON,
    SCORECARD_IN,
    InterviewPlan,
    ensure_movable,
    get_interview,
    lock,
    parse_local,
    validate_plan,
)
from bot.services.loop_channel import LoopChannel
from bot.services.opening import LoopOpening, NewLoop, Opened
from bot.services.people import HoursForm, PeopleService
from bot.services.ports import Gateway, InterviewLine, LoopCard, PersonalStatus, Renderer
from bot.services.readmodels import personal_status
from bot.services.reminders import ReminderPlanner
from db.models import (
    Candidate,
    Debrief,
    Interview,
    InterviewStatus,
    LoopStatus,
    TeamMember,
    TeamRole,
)
from db.session import Database
from rubrics.loader import RubricRegistry
from rubrics.models import RubricPack

log = logging.getLogger(__name__)


class LoopService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        rubrics: RubricRegistry,
        render: Renderer,
        settings: Settings,
        clock: Clock,
        reminders: ReminderPlanner,
        people: PeopleService,
    ):
        self.db = db
        self.people = people
        self.slack = slack
        self.rubrics = rubrics
        self.render = render
        self.settings = settings
        self.clock = clock
        self.reminders = reminders
        self.channel = LoopChannel(db, slack, rubrics, render, settings, clock)
        self.opening = LoopOpening(db, rubrics, self.channel, clock)

    # Permissions

    def ensure_recruiter(self, user_id: str) -> None:
        if user_id not in self.settings.recruiters:
            raise PermissionDenied(
                "Only recruiters can open hiring loops. Ask your hirebot admin to add you to HIREBOT_RECRUITERS."
            )

    @staticmethod
    def ensure_can_plan(candidate: Candidate, user_id: str) -> None:
        queries.ensure_runs_loop(candidate, user_id, "change its plan")

    # Opening a loop

    def validate_new_loop(self, form: NewLoop) -> None:
        """Checks that need no writes, answered inline in the modal. Raises InvalidInput."""
        problems: dict[str, str] = {}
        name_problem = _name_problem(form.candidate_name)
        if name_problem:
            problems[Field.CANDIDATE_NAME] = name_problem
        link_problem = _link_problem(form.resume_url)
        if link_problem:
            problems[Field.RESUME_URL] = link_problem
        if any(bad_user_id(u) for u in form.team):
            problems[Field.TEAM] = "Pick the hiring team from the list."
        try:
            pack = self.rubrics.get(form.pack)
            if form.profile not in {p.key for p in pack.profiles}:
                problems[Field.PROFILE] = f"Pick one of the {pack.role} profiles."
        except Exception:
            problems[Field.PACK] = "Pick one of the installed role packs."
        for block, user in ((Field.RECRUITER, form.recruiter_id), (Field.HIRING_MANAGER, form.hiring_manager_id)):
            if not user or bad_user_id(user):
                problems[block] = "Pick someone."
                continue
            problem = self._inactive(user)
            if problem:
                problems[block] = problem
        if problems:
            raise InvalidInput(problems)

    def person_problem(self, user_id: str) -> str | None:
        """Why this member id cannot be on a hiring team (deactivated, unknown, an app), or None."""
        return self._inactive(user_id)

    def _inactive(self, user_id: str) -> str | None:
        try:
            user = self.slack.user_info(user_id)
        except SlackTargetGone:
            return "That person's Slack account is deactivated or was not found."
        if user.deleted:
            return "That person's Slack account is deactivated."
        if user.is_bot:
            return "Pick a person, not an app."
        return None

    def begin_loop(self, form: NewLoop, actor: str, view_id: str | None) -> int | None:
        """Write the loop (OPENING) before any Slack call; None when this view already opened one."""
        self.ensure_recruiter(actor)
        return self.opening.begin(form, actor, view_id)

    def open_loop(self, candidate_id: int) -> Opened | None:
        """Create the channel and set it up; each step's outcome is kept on the loop."""
        outcome = self.opening.run(candidate_id)
        with self.db.transaction() as session:
            record(session, LoopOpened(candidate_id))  # the recruiters' dashboard counts it
        return outcome

    def discard_refused(self, candidate_id: int) -> None:
        self.opening.discard(candidate_id)

    def retry_setup(self, candidate_id: int, actor: str) -> Opened | None:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            if actor != candidate.created_by:  # whoever opened it may finish opening it
                self.ensure_can_plan(candidate, actor)
        outcome = self.opening.run(candidate_id)
        with self.db.transaction() as session:
            record(session, SetupRetried(candidate_id, actor))
        return outcome

    def card(self, candidate_id: int) -> LoopCard:
        return self.channel.card(candidate_id)

    def refresh_card(self, candidate_id: int) -> None:
        self.channel.refresh_card(candidate_id)

    def channel_card(self, channel_id: str, what: str = "this") -> LoopCard:
        """The loop of a candidate channel, read once; WrongPlace anywhere else."""
        try:
            return self.channel.card(channel_id=channel_id)
        except NotFound:
            raise WrongPlace(_wrong_place(what)) from None

    def loop_for_channel(self, channel_id: str, what: str = "this") -> int:
        with self.db.transaction() as session:
            candidate_id = session.scalar(select(Candidate.id).where(Candidate.channel_id == channel_id))
        if candidate_id is None:
            raise WrongPlace(_wrong_place(what))
        return candidate_id

    def planning_context(self, candidate_id: int, actor: str) -> tuple[LoopCard, RubricPack]:
        """What the plan modals show, once the actor is known to be allowed to change the plan."""
        pack_key = self._planning(candidate_id, actor)
        return self.card(candidate_id), self.rubrics.get(pack_key)

    def interview_context(self, interview_id: int, actor: str) -> tuple[LoopCard, RubricPack, InterviewLine]:
        with self.db.transaction() as session:
            candidate_id = get_interview(session, interview_id).candidate_id
        card, pack = self.planning_context(candidate_id, actor)
        line = next(i for i in card.interviews if i.id == interview_id)
        if line.submitted:  # a menu shown before the scorecard landed
            raise InvalidInput({Field.STAGE: SCORECARD_IN})
        return card, pack, line

    def validate_interview(
        self, candidate_id: int, plan: InterviewPlan, actor: str, interview_id: int | None = None
    ) -> None:
        """The inline checks of the interview modal; the time zone is settled when it is saved.

        With `interview_id` (a reschedule) the interview must still be open to change: its
        scorecard may have landed while the modal was open.
        """
        pack_key = self._planning(candidate_id, actor)
        if interview_id is not None:
            with self.db.transaction() as session:
                ensure_movable(session, get_interview(session, interview_id))
        validate_plan(plan, self.rubrics.get(pack_key), self.settings.timezone, self.clock())

    def interviewer_zone(self, user_id: str) -> str:
        try:
            tz = self.slack.user_info(user_id).tz
        except SlackError:
            tz = None
        return tz or self.settings.timezone

    def add_interview(self, candidate_id: int, plan: InterviewPlan, actor: str) -> int:
        pack_key = self._planning(candidate_id, actor)
        zone = self.interviewer_zone(plan.interviewer_id)
        starts_at = validate_plan(plan, self.rubrics.get(pack_key), zone, self.clock())
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            interview = Interview(
                candidate=candidate,
                stage_key=plan.stage_key,
                interviewer_id=plan.interviewer_id,
                starts_at=starts_at,
                duration_minutes=plan.duration_minutes,
                timezone=zone,
            )
            session.add(interview)
            self._join_team(session, candidate, plan.interviewer_id)
            session.flush()
            self.reminders.plan_interview(session, interview)
            self.reminders.invite_interview(session, interview, self.clock(), changed=False)
            session.add(queries.audit(actor, "interview.added", candidate_id, {"interview": interview.id}))
            record(session, InterviewPlanned(candidate_id, plan.interviewer_id, candidate.channel_id, actor))
            return interview.id

    def _join_team(self, session: Session, candidate: Candidate, user: str) -> None:
        """A new interviewer joins the hiring team, and so the debrief's invite, if one was sent."""
        if user in {m.user_id for m in candidate.team}:
            return
        candidate.team.append(TeamMember(user_id=user, role=TeamRole.INTERVIEWER))
        if candidate.debrief is not None:
            session.flush()
            self.reminders.invite_debrief(session, candidate, self.clock(), changed=True)

    def candidate_of(self, interview_id: int) -> int:
        with self.db.transaction() as session:
            return get_interview(session, interview_id).candidate_id

    def reschedule(self, interview_id: int, plan: InterviewPlan, actor: str) -> None:
        candidate_id = self.candidate_of(interview_id)
        pack_key = self._planning(candidate_id, actor)
        zone = self.interviewer_zone(plan.interviewer_id)
        starts_at = validate_plan(plan, self.rubrics.get(pack_key), zone, self.clock())
        with self.db.transaction() as session:
            # Checked again under the row lock a scorecard submission also takes: one that
            # landed after the modal was accepted must not be handed to someone else.
            interview = lock(session, interview_id)
            ensure_movable(session, interview)
            previous = interview.interviewer_id
            interview.stage_key = plan.stage_key
            interview.interviewer_id = plan.interviewer_id
            interview.starts_at = starts_at
            interview.duration_minutes = plan.duration_minutes
            interview.timezone = zone
            candidate = interview.candidate
            self._join_team(session, candidate, plan.interviewer_id)
            self.reminders.plan_interview(session, interview)
            self.reminders.invite_interview(session, interview, self.clock(), previous=previous)
            session.add(queries.audit(actor, "interview.rescheduled", candidate_id, {"interview": interview_id}))
            moved = InterviewRescheduled(candidate_id, previous, plan.interviewer_id, candidate.channel_id, actor)
            record(session, moved)

    def cancel_interview(self, interview_id: int, actor: str) -> None:
        with self.db.transaction() as session:
            interview = get_interview(session, interview_id)
            self.ensure_can_plan(interview.candidate, actor)
            if interview.scorecard is not None:
                raise InvalidInput({Field.INTERVIEW: "This interview already has a scorecard; it can't be cancelled."})
            interview.status = InterviewStatus.CANCELLED
            self.reminders.cancel_interview(session, interview)
            self.reminders.invite_interview(session, interview, self.clock())
            session.add(
                queries.audit(actor, "interview.cancelled", interview.candidate_id, {"interview": interview_id})
            )
            record(session, InterviewCancelled(interview.candidate_id, interview.interviewer_id, actor))

    def validate_debrief(self, candidate_id: int, date: str, time: str, actor: str) -> datetime:
        self._planning(candidate_id, actor)
        when = parse_local(date, time, ZoneInfo(self.interviewer_zone(actor)), Field.DEBRIEF_DATE)
        now = self.clock()
        if when < now:
            raise InvalidInput({Field.DEBRIEF_DATE: "Pick a time in the future."})
        if when > now + HORIZON:
            raise InvalidInput({Field.DEBRIEF_DATE: f"Pick a date before {(now + HORIZON):%Y-%m-%d}."})
        return when

    def set_debrief(self, candidate_id: int, date: str, time: str, actor: str) -> datetime:
        when = self.validate_debrief(candidate_id, date, time, actor)
        with self.db.transaction() as session:
            candidate = queries.load_loop(session, candidate_id)
            changed = candidate.debrief is not None
            if candidate.debrief is None:
                candidate.debrief = Debrief(scheduled_at=when)
            else:
                candidate.debrief.scheduled_at = when
            session.flush()
            self.reminders.plan_debrief(session, candidate)
            self.reminders.invite_debrief(session, candidate, self.clock(), changed=changed)
            session.add(queries.audit(actor, "debrief.set", candidate_id, {}))
            record(session, DebriefScheduled(candidate_id, actor))
        return when

    def _planning(self, candidate_id: int, actor: str) -> str:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            self.ensure_can_plan(candidate, actor)
            if candidate.status is not LoopStatus.OPEN:
                raise InvalidInput({Field.STAGE: "This loop is closed; its plan can no longer change."})
            return candidate.pack

    # Status

    def personal(self, user_id: str) -> PersonalStatus:
        with self.db.transaction() as session:
            status = personal_status(session, self.rubrics, user_id, self.clock(), self.settings.timezone)
        return replace(status, hours=self.people.summary(user_id))

    def save_hours(self, user_id: str, form: HoursForm) -> None:
        """A person's own working time (App Home); WorkingHoursChanged then refreshes their Home."""
        self.people.save(user_id, form)

    def reminder_failed(self, candidate_id: int, user: str, code: str) -> None:
        """A reminder could not be delivered for good: the recruiter sees it on the card."""
        self.channel.set_problem(candidate_id, "reminders", f"{code} for {user}")
        self.refresh_card(candidate_id)

    def invite_interviewer(self, candidate_id: int, channel: str | None, user: str) -> None:
        """Someone planned to interview joins the loop's channel; a refusal shows on the card."""
        if channel:
            self.channel.invite(candidate_id, channel, user)


def _wrong_place(what: str) -> str:
    return f"Run {command(what)} inside a candidate's channel (the ones named hire-…)."


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return "Enter the candidate's name."
    if len(name) > 200:
        return "Keep the name under 200 characters."
    if has_control(name):
        return "Remove the control characters (such as NUL) from the name."
    return None


def _link_problem(url: str | None) -> str | None:
    if not url:
        return None
    # One link rule (bot.mrkdwn), with the plainer word for what PostgreSQL can't store.
    if has_control(url):
        return "Remove the control characters (such as NUL) from the link."
    return url_problem(url)
