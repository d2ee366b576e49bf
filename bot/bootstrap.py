"""The one place hirebot is wired together. Tests call `build_services` with fakes swapped in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from bot.background import Background, Notify, ThreadBackground
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.container import Services, tell
from bot.services.debrief import DebriefService
from bot.services.dispatch import ReminderDispatcher
from bot.services.loops import LoopService
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
    hours = WorkingHours(settings.working_hours_start, settings.working_hours_end)
    reminders = ReminderPlanner(
        hours,
        prep_kit_before=timedelta(minutes=settings.prep_kit_minutes),
        first_chaser_after=timedelta(minutes=settings.first_chaser_minutes),
        nudge_before_debrief=timedelta(hours=settings.nudge_hours_before_debrief),
        escalate_after_working_days=settings.escalate_after_days,
        summary_before_debrief=timedelta(minutes=settings.summary_minutes_before_debrief),
    )
    render = renderer or BlockKitRenderer()
    loops = LoopService(db, slack, rubrics, render, settings, clock, reminders)
    debrief = DebriefService(
        db, slack, rubrics, render, clock, loops.channel, reminders, offer_archive=settings.offer_archive
    )
    loops.scorecard_listeners.append(debrief.refresh_if_posted)
    services = Services(
        settings=settings,
        db=db,
        slack=slack,
        rubrics=rubrics,
        clock=clock,
        background=background(partial(tell, slack)),
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
            on_escalation=loops.refresh_card,
            on_failure=loops.reminder_failed,
            on_summary_due=debrief.post,
            planner=reminders,
        ),
        debrief=debrief,
    )
    return services
