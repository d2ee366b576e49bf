"""The one place hirebot is wired together. Tests call `build_services` with fakes swapped in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bot.background import Background, Notify, ThreadBackground
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.container import Services, tell
from bot.events import (
    DebriefScheduled,
    EventBus,
    InterviewCancelled,
    InterviewPlanned,
    InterviewRescheduled,
    LoopDecided,
    ReminderEscalated,
    ReminderFailed,
    ScorecardSubmitted,
    SetupRetried,
    Subscriptions,
    SummaryDue,
    WorkingHoursChanged,
)
from bot.services.debrief import DebriefService
from bot.services.dispatch import ReminderDispatcher
from bot.services.loops import LoopService
from bot.services.people import PeopleHours, PeopleService
from bot.services.ports import Renderer
from bot.services.reminders import ReminderPlanner
from bot.services.scorecards import ScorecardService
from bot.services.workhours import WorkingHours
from bot.slack_gateway import SlackGateway
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from rubrics.loader import PACKS_DIR, RubricRegistry

log = logging.getLogger(__name__)

__all__ = ["Services", "build_services", "tell"]


def build_services(
    settings: Settings,
    *,
    slack: SlackGateway | None = None,
    db: Database | None = None,
    rubrics: RubricRegistry | None = None,
    clock: Clock = utc_now,
    background: Callable[[Notify], Background] = ThreadBackground,
    renderer: Renderer | None = None,
) -> Services:
    slack = slack or SlackGateway.connect(settings.slack_bot_token or "", settings.slack_api_url)
    db = db or Database(make_engine(settings.database_url))
    rubrics = rubrics or RubricRegistry.from_directory(
        Path(settings.rubrics_dir) if settings.rubrics_dir else PACKS_DIR
    )
    hours = WorkingHours(settings.working_hours_start, settings.working_hours_end, holidays=settings.holiday_calendar)
    people = PeopleHours(hours)
    reminders = ReminderPlanner(
        hours,
        prep_kit_before=timedelta(minutes=settings.prep_kit_minutes),
        first_chaser_after=timedelta(minutes=settings.first_chaser_minutes),
        nudge_before_debrief=timedelta(hours=settings.nudge_hours_before_debrief),
        escalate_after_working_days=settings.escalate_after_days,
        summary_before_debrief=timedelta(minutes=settings.summary_minutes_before_debrief),
        people=people,
    )
    render = renderer or BlockKitRenderer()
    runner = background(partial(tell, slack))
    bus = EventBus(runner)
    loops = LoopService(db, slack, rubrics, render, settings, clock, reminders, PeopleService(db, people))
    services = Services(
        settings=settings,
        db=db,
        slack=slack,
        rubrics=rubrics,
        clock=clock,
        background=runner,
        reminders=reminders,
        loops=loops,
        scorecards=ScorecardService(db, slack, rubrics, clock, reminders, settings.timezone),
        dispatcher=ReminderDispatcher(
            db,
            slack,
            rubrics,
            render,
            clock,
            hours,
            settings.timezone,
            events=bus,
            planner=reminders,
            zone_of=loops.interviewer_zone,
        ),
        debrief=DebriefService(db, slack, rubrics, render, clock, reminders, offer_archive=settings.offer_archive),
    )
    bus.table = subscriptions(services)
    db.publish = bus.publish
    return services


def subscriptions(services: Services) -> Subscriptions:
    """What happens after what: every follow-up to a change, in one table.

    Each subscriber runs after the change has committed, as its own background job (see
    bot/events.py). Refreshes of the card, the pre-read and the Home tab are cosmetic: a
    failure is logged, or told to the person who acted. What a person must receive goes
    through the outbox: a scorecard's receipt is a row there before the event is recorded,
    and the pre-read posted at its time is the outbox's own delivery of SummaryDue."""
    loops, debrief = services.loops, services.debrief

    def refresh_card(event: Any) -> None:
        loops.refresh_card(event.candidate_id)

    def refresh_preread(event: ScorecardSubmitted) -> None:
        debrief.refresh_if_posted(event.candidate_id)

    def post_receipt(event: ScorecardSubmitted) -> None:
        if event.created:  # its row is already in the outbox; post it now rather than at the next sweep
            services.dispatcher.post_receipts()

    def refresh_homes(event: Any) -> None:
        people = [getattr(event, "previous_interviewer_id", None), getattr(event, "interviewer_id", None)]
        loops.refresh_homes(*(p for p in people if p))

    def refresh_actor_home(event: SetupRetried | WorkingHoursChanged) -> None:
        loops.refresh_homes(event.actor)

    def invite(event: InterviewPlanned | InterviewRescheduled) -> None:
        if getattr(event, "previous_interviewer_id", None) != event.interviewer_id:
            loops.invite_interviewer(event.candidate_id, event.channel_id, event.interviewer_id)

    def announce(event: LoopDecided) -> None:
        debrief.announce_decision(event.candidate_id, event.actor)

    def show_failure(event: ReminderFailed) -> None:
        loops.reminder_failed(event.candidate_id, event.user, event.code)

    def post_preread(event: SummaryDue) -> None:
        debrief.post(event.candidate_id)

    return {
        ScorecardSubmitted: [post_receipt, refresh_card, refresh_preread, refresh_homes],
        InterviewPlanned: [invite, refresh_card, refresh_homes],
        InterviewRescheduled: [invite, refresh_card, refresh_homes],
        InterviewCancelled: [refresh_card, refresh_homes],
        DebriefScheduled: [refresh_card],
        SetupRetried: [refresh_actor_home],
        WorkingHoursChanged: [refresh_actor_home],
        LoopDecided: [announce, refresh_card],
        ReminderEscalated: [refresh_card],
        ReminderFailed: [show_failure],
        SummaryDue: [post_preread],
    }
