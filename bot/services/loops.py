"""Loops: opening one, planning its interviews and debrief, and who may change what.

The rules live here; Slack payloads do not. Every public method takes typed arguments and
either returns a domain value or raises a domain error from bot/errors.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Settings
from bot.errors import InvalidInput, NotFound, PermissionDenied, SlackError, SlackTargetGone, WrongPlace
from bot.mrkdwn import url_problem
from bot.services import panel_stats, queries
from bot.services.loop_channel import SETUP_STEPS, LoopChannel
from bot.services.ports import Gateway, InterviewLine, LoopCard, PersonalStatus, Renderer
from bot.services.readmodels import personal_status
from bot.services.reminders import ReminderPlanner
from db.models import Candidate, Debrief, Interview, InterviewStatus, LoopStatus, TeamMember, TeamRole
from db.session import Database
from rubrics.loader import RubricRegistry
from rubrics.models import RubricPack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewLoop:
    candidate_name: str
    pack: str
    profile: str
    recruiter_id: str
    hiring_manager_id: str
    team: list[str]
    resume_url: str | None


@dataclass(frozen=True)
class InterviewPlan:
    stage_key: str
    interviewer_id: str
    date: str  # YYYY-MM-DD, as Slack's datepicker gives it
    time: str  # HH:MM, in the interviewer's own time zone
    duration_minutes: int


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
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.render = render
        self.settings = settings
        self.clock = clock
        self.reminders = reminders
        self.channel = LoopChannel(db, slack, rubrics, render, settings, clock)
        # Called with the candidate id when a scorecard lands (the debrief refreshes its pre-read).
        self.scorecard_listeners: list[Callable[[int], object]] = []

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
        if not form.candidate_name.strip():
            problems["candidate_name"] = "Enter the candidate's name."
        elif len(form.candidate_name) > 200:
            problems["candidate_name"] = "Keep the name under 200 characters."
        try:
            pack = self.rubrics.get(form.pack)
            if form.profile not in {p.key for p in pack.profiles}:
                problems["profile"] = f"Pick one of the {pack.role} profiles."
        except Exception:
            problems["pack"] = "Pick one of the installed role packs."
        link_problem = url_problem(form.resume_url) if form.resume_url else None
        if link_problem:
            problems["resume_url"] = link_problem
        for block, user in (("recruiter", form.recruiter_id), ("hiring_manager", form.hiring_manager_id)):
            if not user:
                problems[block] = "Pick someone."
                continue
            problem = self._inactive(user)
            if problem:
                problems[block] = problem
        if problems:
            raise InvalidInput(problems)

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

    def open_loop(self, form: NewLoop, actor: str) -> int:
        """Create the private channel, then the loop, then set the channel up.

        The channel comes first so that a refusal from Slack leaves no row behind; steps after
        it are recorded as problems on the card and can be retried.
        """
        self.ensure_recruiter(actor)
        pack = self.rubrics.get(form.pack)
        channel_id, name = self.channel.create(form.candidate_name, pack.pack)
        with self.db.transaction() as session:
            candidate = Candidate(
                name=form.candidate_name.strip(),
                pack=pack.pack,
                pack_version=pack.version,
                profile=form.profile,
                recruiter_id=form.recruiter_id,
                hiring_manager_id=form.hiring_manager_id,
                resume_url=form.resume_url or None,
                channel_id=channel_id,
                channel_name=name,
                status=LoopStatus.OPEN,
                created_by=actor,
                created_at=self.clock(),
                updated_at=self.clock(),
            )
            candidate.team = [
                TeamMember(user_id=form.recruiter_id, role=TeamRole.RECRUITER),
                TeamMember(user_id=form.hiring_manager_id, role=TeamRole.HIRING_MANAGER),
                *(TeamMember(user_id=u, role=TeamRole.INTERVIEWER) for u in dict.fromkeys(form.team)),
            ]
            session.add(candidate)
            session.flush()
            session.add(queries.audit(actor, "loop.opened", candidate.id, {"pack": pack.ref, "team": len(form.team)}))
            candidate_id = candidate.id
        self.channel.run_setup(candidate_id, SETUP_STEPS)
        return candidate_id

    def retry_setup(self, candidate_id: int, actor: str) -> None:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            self.ensure_can_plan(candidate, actor)
            steps = tuple(p.split(":", 1)[0] for p in candidate.problems)
        self.channel.run_setup(candidate_id, steps)

    def card(self, candidate_id: int) -> LoopCard:
        return self.channel.card(candidate_id)

    def refresh_card(self, candidate_id: int) -> None:
        self.channel.refresh_card(candidate_id)

    def channel_card(self, channel_id: str, what: str = "this") -> LoopCard:
        """The loop of a candidate channel, read once; WrongPlace anywhere else."""
        try:
            return self.channel.card(channel_id=channel_id)
        except NotFound:
            raise WrongPlace(f"Run `/hire {what}` inside a candidate's channel (the ones named hire-…).") from None

    def loop_for_channel(self, channel_id: str, what: str = "this") -> int:
        with self.db.transaction() as session:
            candidate_id = session.scalar(select(Candidate.id).where(Candidate.channel_id == channel_id))
        if candidate_id is None:
            raise WrongPlace(f"Run `/hire {what}` inside a candidate's channel (the ones named hire-…).")
        return candidate_id

    def planning_context(self, candidate_id: int, actor: str) -> tuple[LoopCard, RubricPack]:
        """What the plan modals show, once the actor is known to be allowed to change the plan."""
        pack_key = self._planning(candidate_id, actor)
        return self.card(candidate_id), self.rubrics.get(pack_key)

    def interview_context(self, interview_id: int, actor: str) -> tuple[LoopCard, RubricPack, InterviewLine]:
        with self.db.transaction() as session:
            candidate_id = _interview(session, interview_id).candidate_id
        card, pack = self.planning_context(candidate_id, actor)
        line = next(i for i in card.interviews if i.id == interview_id)
        return card, pack, line

    def validate_interview(self, candidate_id: int, plan: InterviewPlan, actor: str) -> None:
        """The inline checks of the interview modal; the time zone is settled when it is saved."""
        pack_key = self._planning(candidate_id, actor)
        _validate_plan(plan, self.rubrics.get(pack_key), self.settings.timezone)

    def interviewer_zone(self, user_id: str) -> str:
        try:
            tz = self.slack.user_info(user_id).tz
        except SlackError:
            tz = None
        return tz or self.settings.timezone

    def add_interview(self, candidate_id: int, plan: InterviewPlan, actor: str) -> int:
        pack_key = self._planning(candidate_id, actor)
        zone = self.interviewer_zone(plan.interviewer_id)
        starts_at = _validate_plan(plan, self.rubrics.get(pack_key), zone)
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
            if plan.interviewer_id not in {m.user_id for m in candidate.team}:
                candidate.team.append(TeamMember(user_id=plan.interviewer_id, role=TeamRole.INTERVIEWER))
            session.flush()
            self.reminders.plan_interview(session, interview)
            session.add(queries.audit(actor, "interview.added", candidate_id, {"interview": interview.id}))
            interview_id = interview.id
            channel = candidate.channel_id
        if channel:
            self.channel.invite(candidate_id, channel, plan.interviewer_id)
        self.refresh_card(candidate_id)
        self.refresh_homes(plan.interviewer_id)
        return interview_id

    def candidate_of(self, interview_id: int) -> int:
        with self.db.transaction() as session:
            return _interview(session, interview_id).candidate_id

    def reschedule(self, interview_id: int, plan: InterviewPlan, actor: str) -> None:
        candidate_id = self.candidate_of(interview_id)
        pack_key = self._planning(candidate_id, actor)
        zone = self.interviewer_zone(plan.interviewer_id)
        starts_at = _validate_plan(plan, self.rubrics.get(pack_key), zone)
        with self.db.transaction() as session:
            interview = _interview(session, interview_id)
            if interview.status is InterviewStatus.CANCELLED:
                raise InvalidInput({"start_date": "This interview was cancelled; add a new one instead."})
            previous = interview.interviewer_id
            interview.stage_key = plan.stage_key
            interview.interviewer_id = plan.interviewer_id
            interview.starts_at = starts_at
            interview.duration_minutes = plan.duration_minutes
            interview.timezone = zone
            candidate = interview.candidate
            if plan.interviewer_id not in {m.user_id for m in candidate.team}:
                candidate.team.append(TeamMember(user_id=plan.interviewer_id, role=TeamRole.INTERVIEWER))
            channel = candidate.channel_id
            self.reminders.plan_interview(session, interview)
            session.add(queries.audit(actor, "interview.rescheduled", candidate_id, {"interview": interview_id}))
        if channel and plan.interviewer_id != previous:
            self.channel.invite(candidate_id, channel, plan.interviewer_id)
        self.refresh_card(candidate_id)
        self.refresh_homes(previous, plan.interviewer_id)

    def cancel_interview(self, interview_id: int, actor: str) -> None:
        with self.db.transaction() as session:
            interview = _interview(session, interview_id)
            self.ensure_can_plan(interview.candidate, actor)
            if interview.scorecard is not None:
                raise InvalidInput({"interview": "This interview already has a scorecard; it can't be cancelled."})
            interview.status = InterviewStatus.CANCELLED
            self.reminders.cancel_interview(session, interview)
            session.add(
                queries.audit(actor, "interview.cancelled", interview.candidate_id, {"interview": interview_id})
            )
            candidate_id, interviewer = interview.candidate_id, interview.interviewer_id
        self.refresh_card(candidate_id)
        self.refresh_homes(interviewer)

    def validate_debrief(self, candidate_id: int, date: str, time: str, actor: str) -> datetime:
        self._planning(candidate_id, actor)
        when = _parse_local(date, time, ZoneInfo(self.interviewer_zone(actor)), "debrief_date")
        if when < self.clock():
            raise InvalidInput({"debrief_date": "Pick a time in the future."})
        return when

    def set_debrief(self, candidate_id: int, date: str, time: str, actor: str) -> datetime:
        when = self.validate_debrief(candidate_id, date, time, actor)
        with self.db.transaction() as session:
            candidate = queries.load_loop(session, candidate_id)
            if candidate.debrief is None:
                candidate.debrief = Debrief(scheduled_at=when)
            else:
                candidate.debrief.scheduled_at = when
            session.flush()
            self.reminders.plan_debrief(session, candidate)
            session.add(queries.audit(actor, "debrief.set", candidate_id, {}))
        self.refresh_card(candidate_id)
        return when

    def _planning(self, candidate_id: int, actor: str) -> str:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            self.ensure_can_plan(candidate, actor)
            if candidate.status is not LoopStatus.OPEN:
                raise InvalidInput({"stage": "This loop is closed; its plan can no longer change."})
            return candidate.pack

    # Status

    def personal(self, user_id: str) -> PersonalStatus:
        with self.db.transaction() as session:
            return personal_status(session, self.rubrics, user_id, self.clock(), self.settings.timezone)

    def publish_home(self, user_id: str) -> None:
        """The App Home, with leniency: a person sees their own; a recruiter sees everyone's."""
        status = self.personal(user_id)
        everyone = user_id in self.settings.recruiters
        with self.db.transaction() as session:
            rows = panel_stats.leniency(session, None if everyone else {user_id})
        home = replace(status, leniency=rows, sees_everyone=everyone)
        self.slack.publish_home(user_id, self.render.home(home))

    def reminder_failed(self, candidate_id: int, user: str, code: str) -> None:
        """A reminder could not be delivered for good: the recruiter sees it on the card."""
        self.channel.set_problem(candidate_id, "reminders", f"{code} for {user}")
        self.refresh_card(candidate_id)

    def after_scorecard(self, candidate_id: int) -> None:
        """A scorecard landed: the card's ✅ and any posted pre-read change (each interviewer's
        Home is refreshed separately)."""
        self.refresh_card(candidate_id)
        for listener in self.scorecard_listeners:
            listener(candidate_id)

    def refresh_homes(self, *users: str) -> None:
        """Keep the App Home of the people a change concerns current; a failure here is cosmetic."""
        for user in dict.fromkeys(users):
            try:
                self.publish_home(user)
            except SlackError as exc:
                log.info("home tab not refreshed: %s", exc.code)


def _interview(session: Session, interview_id: int) -> Interview:
    interview = session.get(Interview, interview_id)
    if interview is None:
        raise NotFound("That interview no longer exists.")
    return interview


def _parse_local(date: str, time: str, zone: ZoneInfo, block: str) -> datetime:
    try:
        naive = datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        raise InvalidInput({block: "Pick a date and a time."}) from None
    return naive.replace(tzinfo=zone)


def _validate_plan(plan: InterviewPlan, pack: RubricPack, zone: str) -> datetime:
    problems: dict[str, str] = {}
    if plan.stage_key not in {s.key for s in pack.stages}:
        problems["stage"] = "Pick one of this role's stages."
    if not plan.interviewer_id:
        problems["interviewer"] = "Pick the interviewer."
    if not 10 <= plan.duration_minutes <= 480:
        problems["duration"] = "Between 10 and 480 minutes."
    try:
        starts_at = _parse_local(plan.date, plan.time, ZoneInfo(zone), "start_date")
    except InvalidInput as exc:
        problems.update(exc.errors)
        starts_at = None
    if problems:
        raise InvalidInput(problems)
    # Past start times are allowed on purpose: interviews are often logged after they happen.
    return starts_at
