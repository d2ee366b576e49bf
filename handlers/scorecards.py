"""Listeners for the interviewer's side: open the scorecard, submit it, keep a draft on close,
add evidence boxes as red flags are ticked, and show panel feedback once it is allowed."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.bootstrap import Services
from bot.errors import HirebotError, InvalidInput
from bot.services.evidence_lint import lint
from bot.services.scorecard_form import ScorecardForm
from bot.services.scorecards import EvidenceNudge
from handlers.builders import scorecards as views
from handlers.builders.common import modal, section, when
from handlers.errors import after_ack
from handlers.ids import Action, Block, Callback, element_id
from handlers.parsing import BlockAction, ViewState, ViewSubmission

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


# C901 counts the listeners nested in register() as its own branches; each listener is short.
def register(app: App, services: Services) -> None:  # noqa: C901
    scorecards = services.scorecards

    @app.action(Action.OPEN_SCORECARD)
    def open_scorecard(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)

        def show() -> None:
            context = scorecards.context(int(click.value), click.user_id)
            services.slack.open_view(click.trigger_id, views.scorecard_modal(context))

        after_ack(services, click.user_id, click.channel_id, show)

    @app.action(element_id(Block.RED_FLAGS))
    def red_flags_ticked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)
        view = click.view or {}
        interview_id = click.view_metadata.get("interview_id")
        if interview_id is None:
            return
        state = ViewState(view.get("state", {}).get("values", {}))
        form = scorecard_form(state)
        # A modal that came back with nudges keeps them, and the Keep my wording tick, through this redraw.
        nudged = any(b.get("block_id") == Block.KEEP_WORDING for b in view.get("blocks", []))
        kept = views.KEEP_WORDING in state.selected_many(Block.KEEP_WORDING)

        def redraw() -> None:
            context = scorecards.context(int(interview_id), click.user_id)
            prefilled = replace(context, prefill=form)
            nudges = lint(form.evidence, context.pack, context.stage) if nudged else None
            modal = views.scorecard_modal(prefilled, flags_shown=form.flags, nudges=nudges, kept=kept)
            services.slack.update_view(view["id"], modal, hash=view.get("hash"))

        after_ack(services, click.user_id, None, redraw)

    @app.view(Callback.SCORECARD)
    def submit_scorecard(ack: Ack, body: dict[str, Any]) -> None:
        sub = ViewSubmission.model_validate(body)
        interview_id = sub.metadata.get("interview_id")
        if interview_id is None:  # the confirmation view has nothing to submit
            ack()
            return
        form = scorecard_form(sub.state)
        user = sub.user_id
        keep = views.KEEP_WORDING in sub.state.selected_many(Block.KEEP_WORDING)
        try:
            result = scorecards.submit(int(interview_id), user, form, keep_wording=keep)
        except EvidenceNudge as nudge:
            ack(response_action="update", view=_nudged(nudge, sub.view))
            return
        except InvalidInput as exc:
            ack(response_action="errors", errors=_beside_shown_blocks(exc.errors, sub.view))
            return
        except HirebotError as exc:
            first = next(iter(sub.state.raw()), Block.RECOMMENDATION)
            ack(response_action="errors", errors={first: exc.user_message})
            return
        ack(response_action="update", view=views.submitted_view(result))
        if not result.changed:
            return  # a double click or a resubmission: nothing to tell anyone
        # The jobs capture ids, not the payload: a queue of them must stay small.
        if result.created:  # its receipt is already in the outbox; post it now rather than at the next sweep
            services.background.submit(services.dispatcher.post_receipts, user=None, key=("receipts", None))
        loop = result.candidate_id
        services.background.submit(partial(services.loops.after_scorecard, loop), user=None, key=("loop", loop))
        services.background.submit(partial(services.loops.refresh_homes, user), user=None, key=("home", user))

    @app.view_closed(Callback.SCORECARD)
    def keep_draft(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        sub = ViewSubmission.model_validate(body)
        interview_id = sub.metadata.get("interview_id")
        if interview_id is not None:
            after_ack(
                services,
                sub.user_id,
                None,
                lambda: scorecards.save_draft(int(interview_id), sub.user_id, scorecard_form(sub.state)),
            )

    @app.action(Action.VIEW_PANEL)
    def view_panel(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)
        try:
            view = views.panel_modal(scorecards.panel(int(click.value), click.user_id), 0, int(click.value))
        except HirebotError as exc:
            view = _notice("Panel feedback", exc.user_message)
        # From inside a modal the feedback is pushed on top of it; elsewhere it opens fresh.
        if click.view:
            services.slack.push_view(click.trigger_id, view)
        else:
            services.slack.open_view(click.trigger_id, view)

    @app.action(Action.SNOOZE_2H)
    @app.action(Action.SNOOZE_TOMORROW)
    def snooze(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)
        tomorrow = click.actions[0].action_id == Action.SNOOZE_TOMORROW

        def move() -> None:
            until = scorecards.snooze(int(click.value), click.user_id, until_tomorrow=tomorrow)
            services.tell(
                click.user_id,
                f"Snoozed: I'll remind you again {when(until, services.settings.timezone)}.",
                click.channel_id,
            )

        after_ack(services, click.user_id, click.channel_id, move)

    @app.action(Action.PANEL_PAGE)
    def panel_page(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)
        candidate_id, _, page = click.value.partition(":")

        def turn() -> None:
            panel = scorecards.panel(int(candidate_id), click.user_id)
            view_id = (click.view or {}).get("id", "")
            services.slack.update_view(view_id, views.panel_modal(panel, int(page), int(candidate_id)))

        after_ack(services, click.user_id, None, turn)
