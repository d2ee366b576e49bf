"""Listeners for the end of a loop: the decision modal and archiving the channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.bootstrap import Services
from handlers.errors import submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import BlockAction, ViewSubmission


def register(app: App, services: Services) -> None:
    debrief = services.debrief

    @app.view(Callback.DECIDE)
    def decide(ack: Ack, body: dict[str, Any]) -> None:
        sub = ViewSubmission.model_validate(body)
        user = sub.user_id  # jobs after the ack capture ids, never the payload
        candidate_id = int(sub.metadata["candidate_id"])
        choice, rationale = sub.state.selected(Block.DECISION), sub.state.text(Block.RATIONALE)
        override = sub.state.text(Block.OVERRIDE)
        if submit(
            ack, Block.DECISION, lambda: debrief.validate_decision(candidate_id, user, choice, rationale, override)
        ):
            services.background.submit(
                lambda: debrief.decide(candidate_id, user, choice, rationale, override), user=user
            )

    @app.action(Action.ARCHIVE)
    def archive(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)
        services.background.submit(
            lambda: debrief.archive(int(click.value), click.user_id), user=click.user_id, channel=click.channel_id
        )
