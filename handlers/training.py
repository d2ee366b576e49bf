"""Listeners for training interviewers: adding a trainee from the interview menu, the practice
scorecard, and the recruiters' *Mark trained* button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.container import Services
from bot.errors import HirebotError
from bot.mrkdwn import escape, mention
from handlers.builders import training as views
from handlers.builders.training import agreement_text
from handlers.errors import ack_with, submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import BlockAction, ViewSubmission
from handlers.scorecards import refuse_scorecard, scorecard_form
from handlers.table import action, click, view


def open_trainee_modal(services: Services, click: BlockAction, interview_id: int) -> None:
    """From the interview menu (handlers/loops.py): who trains on this interview, and how."""
    slot = services.training.slot(interview_id, click.user_id)
    services.slack.open_view(click.trigger_id, views.trainee_modal(slot))


def _save_trainee(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    sub = ViewSubmission.model_validate(body)
    interview_id = int(sub.metadata["interview_id"])
    trainee, mode = sub.state.user(Block.TRAINEE), sub.state.selected(Block.TRAINEE_MODE)
    submit(ack, Block.TRAINEE, lambda: services.training.add_trainee(interview_id, sub.user_id, trainee, mode))


def _open_practice(services: Services, click: BlockAction) -> None:
    context = services.training.practice_context(int(click.value), click.user_id)
    services.slack.open_view(click.trigger_id, views.practice_modal(context))


def _submit_practice(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    sub = ViewSubmission.model_validate(body)
    interview_id = sub.metadata.get("interview_id")
    if interview_id is None:  # the receipt view has nothing to submit
        ack()
        return
    try:
        saved = services.training.submit_practice(int(interview_id), sub.user_id, scorecard_form(sub.state))
    except HirebotError as exc:
        refuse_scorecard(ack, sub, exc)
        return
    ack_with(ack, response_action="update", view=views.practice_saved_view(saved))


def _mark_trained(services: Services, click: BlockAction) -> None:
    progress = services.graduation.mark_trained(click.user_id, click.value)
    services.tell(
        click.user_id,
        f"✅ {mention(progress.user_id)} is now trained for *{escape(progress.stage_name)}* "
        f"({escape(progress.role_name)}) and joins its pool. Agreement with the panel: "
        f"{agreement_text(progress.agreement)}.",
        click.channel_id,
    )


LISTENERS = [
    view(Callback.ADD_TRAINEE, _save_trainee),
    action(Action.OPEN_PRACTICE, click(_open_practice)),
    view(Callback.PRACTICE_SCORECARD, _submit_practice),
    action(Action.MARK_TRAINED, click(_mark_trained)),
]
