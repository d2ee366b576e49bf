"""What the Slack edge and the entry points are handed: the wired services, as one value.

It sits below handlers and below the composition root (bot/bootstrap.py), so that a listener
can name its dependencies without importing the module that builds them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.background import Background
from bot.clock import Clock
from bot.config import Settings
from bot.errors import SlackError
from bot.services.dashboard_data import DashboardService
from bot.services.debrief import DebriefService
from bot.services.dispatch import ReminderDispatcher
from bot.services.graduation import GraduationService
from bot.services.homes import HomeService
from bot.services.load import LoadService
from bot.services.loops import LoopService
from bot.services.mending import Mender
from bot.services.pools import PoolService
from bot.services.reminders import ReminderPlanner
from bot.services.scorecards import ScorecardService
from bot.services.suggestions import SuggestionService
from bot.services.training import TrainingService
from bot.services.votes import VoteService
from bot.slack_gateway import SlackGateway
from db.session import Database
from rubrics.loader import RubricRegistry

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
    pools: PoolService
    suggestions: SuggestionService
    load: LoadService
    training: TrainingService
    graduation: GraduationService
    dashboards: DashboardService
    homes: HomeService
    mender: Mender

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
