"""Listeners for sealed votes: the DM's button opens the vote modal; the modal casts the vote."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.container import Services
from handlers.builders import votes as views
from handlers.errors import submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import BlockAction, ViewSubmission
from handlers.table import action, click, view


def _open_vote(services: Services, click: BlockAction) -> None:
    form = services.votes.form(int(click.value), click.user_id)
    services.slack.open_view(click.trigger_id, views.vote_modal(form))


def _cast(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    votes = services.votes
    sub = ViewSubmission.model_validate(body)
    user, candidate_id = sub.user_id, int(sub.metadata["candidate_id"])
    choice, reason = sub.state.selected(Block.VOTE), sub.state.text(Block.VOTE_REASON)
    if submit(ack, Block.VOTE, lambda: votes.validate(candidate_id, user, choice, reason)):
        services.background.submit(lambda: votes.cast(candidate_id, user, choice, reason), user=user)


LISTENERS = [
    action(Action.CAST_VOTE, click(_open_vote)),
    view(Callback.SEALED_VOTE, _cast),
]
