"""Listeners for the end of a loop: the decision modal and archiving the channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.container import Services
from handlers.errors import submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import BlockAction, ViewSubmission
from handlers.table import action, later, view


def _decide(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    """Checked inline; recorded after the ack. The announcement and the card follow LoopDecided."""
    debrief = services.debrief
    sub = ViewSubmission.model_validate(body)
    user = sub.user_id  # jobs after the ack capture ids, never the payload
    candidate_id = int(sub.metadata["candidate_id"])
    choice, rationale = sub.state.selected(Block.DECISION), sub.state.text(Block.RATIONALE)
    override = sub.state.text(Block.OVERRIDE)
    if submit(ack, Block.DECISION, lambda: debrief.validate_decision(candidate_id, user, choice, rationale, override)):
        services.background.submit(lambda: debrief.decide(candidate_id, user, choice, rationale, override), user=user)


def _archive(services: Services, click: BlockAction) -> None:
    services.debrief.archive(int(click.value), click.user_id)


LISTENERS = [
    view(Callback.DECIDE, _decide),
    action(Action.ARCHIVE, later(_archive)),
]
