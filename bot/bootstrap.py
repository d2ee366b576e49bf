"""The one place hirebot is wired together. Tests call `build_services` with fakes swapped in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from bot.background import Background, Notify, ThreadBackground
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.errors import SlackError
from bot.services.debrief import DebriefService
from bot.services.dispatch import ReminderDispatcher
from bot.services.loops import LoopService
from bot.services.people import PeopleHours, PeopleService
from bot.services.ports import Renderer
from bot.services.reminders import ReminderPlanner
from bot.services.scorecards import ScorecardService
from bot.services.votes import VoteService
from bot.services.workhours import WorkingHours
from bot.slack_gateway import SlackGateway
from db.session import Database, make_engine
from rubrics.loader import PACKS_DIR, RubricRegistry

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    slack: SlackGateway
    rubrics: RubricRegistry
    clock: Clock
    background: Background
    reminders: ReminderPlanner
    loops: LoopService
    scorecards: ScorecardService
    dispatcher: ReminderDispatcher
    debrief: DebriefService
    votes: VoteService

    def tell(self, user: str, sentence: str, channel: str | None = None, reply_url: str | None = None) -> None:
        tell(self.slack, user, sentence, channel, reply_url)


def tell(
    slack: SlackGateway, user: str, sentence: str, channel: str | None = None, reply_url: str | None = None
) -> None:
    """Say something to one person: through the response_url of the command they typed, else
    ephemerally where they are, by DM if that fails.

    A response_url works in any conversation, member or not, and costs no Web API call; an
    ephemeral post fails with user_not_in_channel where the person typed a command but is
    not a member."""
    if reply_url:
        try:
            slack.respond(reply_url, sentence)
            return
        except SlackError as exc:  # used up, or older than 30 minutes
            log.info("response_url reply failed (%s); sending a DM instead", exc.code)
        slack.post_message(user, sentence)
        return
    if channel:
        try:
            slack.post_ephemeral(channel, user, sentence)
            return
        except SlackError as exc:
            log.info("ephemeral reply failed (%s); sending a DM instead", exc.code)
    slack.post_message(user, sentence)


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
    # Imported here so that bot.* never imports the Slack edge at module level.
    from handlers.builders import BlockKitRenderer

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
    loops = LoopService(db, slack, rubrics, render, settings, clock, reminders, PeopleService(db, people))
    debrief = DebriefService(
        db, slack, rubrics, render, clock, loops.channel, reminders, offer_archive=settings.offer_archive
    )
    loops.scorecard_listeners.append(debrief.refresh_if_posted)
    votes = VoteService(db, slack, render, clock, hours, settings.timezone, debrief.summary)
    debrief.posted_listeners.append(votes.plan)
    debrief.export_parts["sealed_votes"] = votes.export
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
            votes=votes,
            zone_of=loops.interviewer_zone,
        ),
        debrief=debrief,
        votes=votes,
    )
    # After the ack, off the request's 3 seconds: an upload is three Slack calls.
    loops.invite_listeners.append(
        lambda: services.background.submit(services.dispatcher.post_invites, user=None, key=("invites", None))
    )
    return services
