"""Listeners for sealed votes: the DM's button opens the vote modal; the modal casts the vote."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.container import Services
from handlers.builders import votes as views
from handlers.errors import after_ack, submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import BlockAction, ViewSubmission


def register(app: App, services: Services) -> None:
    votes = services.votes

    @app.action(Action.CAST_VOTE)
    def open_vote(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)

        def show() -> None:
            form = votes.form(int(click.value), click.user_id)
            services.slack.open_view(click.trigger_id, views.vote_modal(form))

        after_ack(services, click.user_id, click.channel_id, show)

    @app.view(Callback.SEALED_VOTE)
    def cast(ack: Ack, body: dict[str, Any]) -> None:
        sub = ViewSubmission.model_validate(body)
        user, candidate_id = sub.user_id, int(sub.metadata["candidate_id"])
        choice, reason = sub.state.selected(Block.VOTE), sub.state.text(Block.VOTE_REASON)
        if submit(ack, Block.VOTE, lambda: votes.validate(candidate_id, user, choice, reason)):
            services.background.submit(lambda: votes.cast(candidate_id, user, choice, reason), user=user)
