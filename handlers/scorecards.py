"""Listeners for the interviewer's side: open the scorecard, submit it, keep a draft on close,
add evidence boxes as red flags are ticked, and show panel feedback once it is allowed."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import Ack

from bot.container import Services
from bot.errors import HirebotError, InvalidInput
from bot.services.evidence_lint import lint
from bot.services.scorecard_form import ScorecardForm
from bot.services.scorecards import EvidenceNudge
from handlers.builders import scorecards as views
from handlers.builders.common import modal, section, when
from handlers.builders.training import practice_modal
from handlers.errors import ack_with, after_ack
from handlers.ids import Action, Block, Callback, element_id
from handlers.parsing import BlockAction, ViewState, ViewSubmission
from handlers.table import action, click, view, view_closed

log = logging.getLogger(__name__)


def scorecard_form(state: ViewState) -> ScorecardForm:
    """Read a scorecard modal's state. Unknown or missing fields simply stay empty."""
    form = ScorecardForm(
        flags=state.selected_many(Block.RED_FLAGS),
        recommendation=state.selected(Block.RECOMMENDATION) or None,
        notes=state.text(Block.NOTES),
    )
    for block in state.raw():
        kind, _, key = block.partition(".")
        if kind == "rating":
            value = state.selected(block)
            form.ratings[key] = int(value) if value.isdigit() else None
        elif kind == "evidence" and state.text(block):
            form.evidence[key] = state.text(block)
        elif kind == "flag_evidence" and state.text(block):
            form.flag_evidence[key] = state.text(block)
    return form


def _beside_shown_blocks(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Errors keyed by blocks the submitted modal has: Slack rejects a response naming any other.

    A red flag ticked just before submitting has no evidence box yet (the redraw that adds it
    may not have landed), so what it needs is said beside the red flags themselves."""
    shown = {b.get("block_id") for b in view.get("blocks", [])}
    placed: dict[str, str] = {}
    for block, message in errors.items():
        if block not in shown:
            block = Block.RED_FLAGS if Block.RED_FLAGS in shown else Block.RECOMMENDATION
        placed[block] = f"{placed[block]} {message}" if block in placed else message
    return placed


def refuse_scorecard(ack: Ack, sub: ViewSubmission, refusal: HirebotError) -> None:
    """Answer a refused scorecard (a real or a practice one) in its modal: InvalidInput beside
    the fields it names, any other refusal beside the first field."""
    if isinstance(refusal, InvalidInput):
        ack_with(ack, response_action="errors", errors=_beside_shown_blocks(refusal.errors, sub.view))
    else:
        first = next(iter(sub.state.raw()), Block.RECOMMENDATION)
        ack_with(ack, response_action="errors", errors={first: refusal.user_message})


def _nudged(nudge: EvidenceNudge, submitted: dict[str, Any]) -> dict[str, Any]:
    """The same modal with every submitted value kept; `update` replaces the whole view, so the
    submitted private_metadata is carried over as it was."""
    view = views.scorecard_modal(
        nudge.context, flags_shown=(nudge.context.prefill or ScorecardForm()).flags, nudges=nudge.nudges
    )
    if submitted.get("private_metadata"):
        view["private_metadata"] = submitted["private_metadata"]
    return view


def _notice(title: str, text: str) -> dict[str, Any]:
    return modal(Callback.PANEL_FEEDBACK, title, [section(text)], submit=None, close="Close")


def _show_scorecard(services: Services, click: BlockAction) -> None:
    context = services.scorecards.context(int(click.value), click.user_id)
    services.slack.open_view(click.trigger_id, views.scorecard_modal(context))


def _redraw_for_flags(services: Services, click: BlockAction) -> None:
    """Add an evidence box beside each red flag as it is ticked."""
    view = click.view or {}
    interview_id = click.view_metadata.get("interview_id")
    if interview_id is None:
        return
    state = ViewState(view.get("state", {}).get("values", {}))
    form = scorecard_form(state)
    if view.get("callback_id") == Callback.PRACTICE_SCORECARD:
        practice = services.training.practice_context(int(interview_id), click.user_id)
        redrawn = practice_modal(replace(practice, prefill=form), flags_shown=form.flags)
        services.slack.update_view(view["id"], redrawn, hash=view.get("hash"))
        return
    # A modal that came back with nudges keeps them, and the Keep my wording tick, through this redraw.
    nudged = any(b.get("block_id") == Block.KEEP_WORDING for b in view.get("blocks", []))
    kept = views.KEEP_WORDING in state.selected_many(Block.KEEP_WORDING)
    context = services.scorecards.context(int(interview_id), click.user_id)
    prefilled = replace(context, prefill=form)
    nudges = lint(form.evidence, context.pack, context.stage) if nudged else None
    modal = views.scorecard_modal(prefilled, flags_shown=form.flags, nudges=nudges, kept=kept)
    services.slack.update_view(view["id"], modal, hash=view.get("hash"))


def _submit_scorecard(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    """Answered inline: the receipt view, the nudges, or errors beside the fields. What follows
    a stored scorecard is the ScorecardSubmitted event's (see bot/bootstrap.py)."""
    sub = ViewSubmission.model_validate(body)
    interview_id = sub.metadata.get("interview_id")
    if interview_id is None:  # the confirmation view has nothing to submit
        ack()
        return
    keep = views.KEEP_WORDING in sub.state.selected_many(Block.KEEP_WORDING)
    try:
        result = services.scorecards.submit(
            int(interview_id), sub.user_id, scorecard_form(sub.state), keep_wording=keep
        )
    except EvidenceNudge as nudge:
        ack_with(ack, response_action="update", view=_nudged(nudge, sub.view))
        return
    except HirebotError as exc:
        refuse_scorecard(ack, sub, exc)
        return
    ack_with(ack, response_action="update", view=views.submitted_view(result))


def _keep_draft(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    ack()
    sub = ViewSubmission.model_validate(body)
    interview_id = sub.metadata.get("interview_id")
    if interview_id is not None:
        keep = partial(services.scorecards.save_draft, int(interview_id), sub.user_id, scorecard_form(sub.state))
        after_ack(services, sub.user_id, None, keep)


def _view_panel(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    ack()
    click = BlockAction.model_validate(body)
    try:
        view = views.panel_modal(services.scorecards.panel(int(click.value), click.user_id), 0, int(click.value))
    except HirebotError as exc:
        view = _notice("Panel feedback", exc.user_message)
    # From inside a modal the feedback is pushed on top of it; elsewhere it opens fresh.
    if click.view:
        services.slack.push_view(click.trigger_id, view)
    else:
        services.slack.open_view(click.trigger_id, view)


def _snooze(services: Services, click: BlockAction) -> None:
    tomorrow = click.actions[0].action_id == Action.SNOOZE_TOMORROW
    until = services.scorecards.snooze(int(click.value), click.user_id, until_tomorrow=tomorrow)
    when_again = when(until, services.settings.timezone)
    services.tell(click.user_id, f"Snoozed: I'll remind you again {when_again}.", click.channel_id)


def _turn_panel_page(services: Services, click: BlockAction) -> None:
    candidate_id, _, page = click.value.partition(":")
    panel = services.scorecards.panel(int(candidate_id), click.user_id)
    view_id = (click.view or {}).get("id", "")
    services.slack.update_view(view_id, views.panel_modal(panel, int(page), int(candidate_id)))


LISTENERS = [
    action(Action.OPEN_SCORECARD, click(_show_scorecard)),
    action(element_id(Block.RED_FLAGS), click(_redraw_for_flags, answer_in_channel=False)),
    view(Callback.SCORECARD, _submit_scorecard),
    view_closed(Callback.SCORECARD, _keep_draft),
    action(Action.VIEW_PANEL, _view_panel),
    action(Action.SNOOZE_2H, click(_snooze)),
    action(Action.SNOOZE_TOMORROW, click(_snooze)),
    action(Action.PANEL_PAGE, click(_turn_panel_page, answer_in_channel=False)),
]
