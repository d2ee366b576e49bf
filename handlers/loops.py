"""Listeners for the recruiter's side: the loop card's buttons and the plan modals.

Each listener acks first (or answers a modal inline), then hands slow work to the
background runner: Slack's 3 seconds are for the person, not for channel set-up.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.background import Lane
from bot.container import Services
from bot.services.loops import InterviewPlan
from bot.services.opening import NewLoop, Opened
from handlers.builders import loops as views
from handlers.errors import submit
from handlers.ids import Action, Block, Callback, element_id
from handlers.parsing import BlockAction, ViewState, ViewSubmission
from handlers.table import action, click, later, view
from handlers.training import open_trainee_modal


def _new_loop(state: ViewState) -> NewLoop:
    pack_profile = state.selected(Block.PROFILE)
    pack, _, profile = pack_profile.partition("/")
    chosen_pack = state.selected(Block.PACK) or pack
    return NewLoop(
        candidate_name=state.text(Block.CANDIDATE_NAME),
        pack=chosen_pack,
        # A profile from another pack's group is refused by validation, not silently swapped.
        profile=profile if pack == chosen_pack else "",
        recruiter_id=state.user(Block.RECRUITER),
        hiring_manager_id=state.user(Block.HIRING_MANAGER),
        team=state.users(Block.TEAM),
        resume_url=state.text(Block.RESUME_URL) or None,
    )


def _plan(state: ViewState) -> InterviewPlan:
    return InterviewPlan(
        stage_key=state.selected(Block.STAGE),
        interviewer_id=state.user(Block.INTERVIEWER),
        date=state.date(Block.START_DATE),
        time=state.time(Block.START_TIME),
        duration_minutes=state.number(Block.DURATION),
    )


def _finish(services: Services, outcome: Opened | None, user: str, channel: str | None, reply_url: str | None) -> None:
    """Tell the recruiter how opening (or retrying) the loop went."""
    if outcome is None:
        services.tell(user, "That loop is being set up right now; its card shows how it went.", channel, reply_url)
        return
    services.tell(user, outcome.sentence, channel, reply_url)
    if outcome.refused:
        # Only once told: a loop nobody heard about stays listed in /hire status instead.
        services.loops.discard_refused(outcome.candidate_id)


def _new_loop_submitted(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    loops = services.loops
    sub = ViewSubmission.model_validate(body)
    user, view_id = sub.user_id, sub.view_id  # jobs after the ack capture ids, never the payload
    form = _new_loop(sub.state)
    origin = sub.metadata.get("origin_channel")
    reply_url = sub.metadata.get("reply_url")  # the `/hire new` command's, to answer it where it was typed
    begun: list[int | None] = []

    def accept() -> None:
        loops.ensure_recruiter(user)
        loops.validate_new_loop(form)
        begun.append(loops.begin_loop(form, user, view_id))

    if submit(ack, Block.CANDIDATE_NAME, accept) and begun[0] is not None:
        candidate_id = begun[0]
        services.background.submit(
            lambda: _finish(services, loops.open_loop(candidate_id), user, origin, reply_url),
            user=user,
            channel=origin,
            reply_url=reply_url,
            lane=Lane.SETUP,
        )


def _open_interview_modal(services: Services, click: BlockAction) -> None:
    card, pack = services.loops.planning_context(int(click.value), click.user_id)
    services.slack.open_view(click.trigger_id, views.interview_modal(pack, card, services.settings.timezone))


def _open_debrief_modal(services: Services, click: BlockAction) -> None:
    card, _ = services.loops.planning_context(int(click.value), click.user_id)
    zone = services.loops.interviewer_zone(click.user_id)
    services.slack.open_view(click.trigger_id, views.debrief_modal(card, zone))


def _show_status(services: Services, click: BlockAction) -> None:
    message = views.loop_status(services.loops.card(int(click.value)), services.clock())
    services.slack.post_ephemeral(click.channel_id or click.user_id, click.user_id, message.text, message.blocks)


def _retry_setup(services: Services, click: BlockAction) -> None:
    outcome = services.loops.retry_setup(int(click.value), click.user_id)
    _finish(services, outcome, click.user_id, click.channel_id, None)


def _interview_menu(services: Services, click: BlockAction) -> None:
    verb, _, raw_id = click.value.partition(":")
    interview_id = int(raw_id)
    if verb == "reschedule":
        card, pack, line = services.loops.interview_context(interview_id, click.user_id)
        view = views.interview_modal(pack, card, services.settings.timezone, interview=line)
        services.slack.open_view(click.trigger_id, view)
    elif verb == "trainee":
        open_trainee_modal(services, click, interview_id)
    elif verb == "cancel":
        services.loops.cancel_interview(interview_id, click.user_id)
        services.tell(click.user_id, "Interview cancelled; its reminders are cancelled too.", click.channel_id)


def _plan_changed(services: Services, click: BlockAction) -> None:
    """Redraw the modal for what is picked so far: the time zone the start time will be read
    in (the interviewer's), and the stage's suggested interviewers for the slot."""
    loops = services.loops
    view, metadata = click.view or {}, click.view_metadata
    candidate_id, interview_id = int(metadata["candidate_id"]), metadata.get("interview_id")
    if interview_id:
        card, pack, line = loops.interview_context(int(interview_id), click.user_id)
    else:
        (card, pack), line = loops.planning_context(candidate_id, click.user_id), None
    plan = _plan(click.view_state)
    zone = loops.interviewer_zone(plan.interviewer_id) if plan.interviewer_id else None
    suggestions = services.suggestions.for_plan(
        pack, plan.stage_key, plan.date, plan.time, plan.duration_minutes, click.user_id
    )
    updated = views.interview_modal(pack, card, services.settings.timezone, line, zone, suggestions)
    services.slack.update_view(view["id"], updated, hash=view.get("hash"))


def _save_interview(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    loops = services.loops
    sub = ViewSubmission.model_validate(body)
    user = sub.user_id  # jobs after the ack capture ids, never the payload
    plan = _plan(sub.state)
    candidate_id = int(sub.metadata["candidate_id"])
    interview_id = sub.metadata.get("interview_id")  # set when rescheduling
    moving = int(interview_id) if interview_id is not None else None
    if submit(ack, Block.STAGE, lambda: loops.validate_interview(candidate_id, plan, user, moving)):
        if moving is None:
            services.background.submit(lambda: loops.add_interview(candidate_id, plan, user), user=user)
        else:
            services.background.submit(lambda: loops.reschedule(moving, plan, user), user=user)


def _set_debrief(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    loops = services.loops
    sub = ViewSubmission.model_validate(body)
    user = sub.user_id  # jobs after the ack capture ids, never the payload
    candidate_id = int(sub.metadata["candidate_id"])
    date, time = sub.state.date(Block.DEBRIEF_DATE), sub.state.time(Block.DEBRIEF_TIME)
    if submit(ack, Block.DEBRIEF_DATE, lambda: loops.validate_debrief(candidate_id, date, time, user)):
        services.background.submit(lambda: loops.set_debrief(candidate_id, date, time, user), user=user)


LISTENERS = [
    view(Callback.NEW_LOOP, _new_loop_submitted),
    action(Action.ADD_INTERVIEW, click(_open_interview_modal)),
    action(Action.SET_DEBRIEF, click(_open_debrief_modal)),
    action(Action.STATUS, click(_show_status)),
    action(Action.RETRY_SETUP, later(_retry_setup, Lane.SETUP)),
    action(Action.INTERVIEW_MENU, click(_interview_menu)),
    *(
        action(element_id(block), click(_plan_changed, answer_in_channel=False))
        for block in (Block.STAGE, Block.INTERVIEWER, Block.START_DATE, Block.START_TIME)
    ),
    view(Callback.ADD_INTERVIEW, _save_interview),
    view(Callback.EDIT_INTERVIEW, _save_interview),
    view(Callback.SET_DEBRIEF, _set_debrief),
]
