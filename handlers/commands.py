"""`/hire <subcommand>`: one router, each subcommand a short function making one service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.container import Services
from bot.errors import WrongPlace
from bot.services.ports import Message
from handlers.builders import debrief as debrief_views
from handlers.builders import loops as views
from handlers.builders.help import SUBCOMMANDS, help_message
from handlers.errors import answer
from handlers.ids import COMMAND
from handlers.parsing import SlashCommand
from handlers.pools import open_pool

Subcommand = Callable[[Services, SlashCommand], "Message | str"]


def _new(services: Services, cmd: SlashCommand) -> str:
    services.loops.ensure_recruiter(cmd.user_id)
    view = views.new_loop_modal(
        services.rubrics.all(), cmd.user_id, origin_channel=cmd.channel_id, reply_url=cmd.response_url
    )
    services.slack.open_view(cmd.trigger_id, view)
    return ""


def _schedule(services: Services, cmd: SlashCommand) -> str:
    candidate_id = services.loops.loop_for_channel(cmd.channel_id, "schedule")
    card, pack = services.loops.planning_context(candidate_id, cmd.user_id)
    services.slack.open_view(cmd.trigger_id, views.interview_modal(pack, card, services.settings.timezone))
    return ""


def _debrief(services: Services, cmd: SlashCommand) -> str:
    candidate_id = services.loops.loop_for_channel(cmd.channel_id, "debrief")
    card, _ = services.loops.planning_context(candidate_id, cmd.user_id)
    zone = services.loops.interviewer_zone(cmd.user_id)
    services.slack.open_view(cmd.trigger_id, views.debrief_modal(card, zone))
    return ""


def _summary(services: Services, cmd: SlashCommand) -> str:
    candidate_id = services.loops.loop_for_channel(cmd.channel_id, "summary")
    services.debrief.check_can_run(candidate_id, cmd.user_id)
    services.background.submit(
        lambda: services.debrief.post(candidate_id, cmd.user_id),
        user=cmd.user_id,
        channel=cmd.channel_id,
        reply_url=cmd.response_url,
    )
    return "Posting the debrief pre-read in this channel (or refreshing it if it is already here)."


def _decide(services: Services, cmd: SlashCommand) -> str:
    candidate_id = services.loops.loop_for_channel(cmd.channel_id, "decide")
    name, rule = services.debrief.decision_prompt(candidate_id, cmd.user_id)
    votes = services.votes.status(candidate_id)
    services.slack.open_view(cmd.trigger_id, debrief_views.decide_modal(candidate_id, name, rule, votes))
    return ""


def _status(services: Services, cmd: SlashCommand) -> Message:
    try:
        card = services.loops.channel_card(cmd.channel_id, "status")
    except WrongPlace:
        return views.personal_status(services.loops.personal(cmd.user_id))
    return views.loop_status(card, services.clock())


def _help(services: Services, cmd: SlashCommand) -> Message:
    return help_message()


def _unknown(services: Services, cmd: SlashCommand) -> str:
    known = ", ".join(name for name, _ in SUBCOMMANDS)
    word = cmd.subcommand[0]
    # Echo back only a plain word: the rest of what was typed may hold mentions such as <!channel>.
    what = f"`/hire {word}`" if len(word) <= 30 and word.isascii() and word.replace("-", "").isalnum() else "that"
    return f"I don't know {what}. Try one of: {known}. `/hire help` explains each."


ROUTES: dict[str, Subcommand] = {
    "new": _new,
    "schedule": _schedule,
    "debrief": _debrief,
    "status": _status,
    "summary": _summary,
    "decide": _decide,
    "pool": open_pool,
    "help": _help,
    "": _help,
}


def register(app: App, services: Services) -> None:
    @app.command(COMMAND)
    def hire(ack: Ack, command: dict[str, Any]) -> None:
        cmd = SlashCommand.model_validate(command)
        route = ROUTES.get(cmd.subcommand[0], _unknown)
        answer(ack, lambda: route(services, cmd))
