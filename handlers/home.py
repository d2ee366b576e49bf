"""The App Home tab: the same personal view as `/hire status` outside a candidate channel, and
the person's own working hours."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack

from bot.container import Services
from bot.services.people import HoursForm
from handlers.builders.hours import hours_modal
from handlers.errors import submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import AppHomeOpened, BlockAction, ViewState, ViewSubmission
from handlers.table import action, click, event, view


def _hours(state: ViewState) -> HoursForm:
    return HoursForm(
        start=state.time(Block.HOURS_START),
        end=state.time(Block.HOURS_END),
        days=state.selected_many(Block.HOURS_DAYS),
        holidays=state.text(Block.HOURS_HOLIDAYS),
        weekly_cap=state.text(Block.WEEKLY_CAP),
    )


def _home_opened(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    ack()
    opened = AppHomeOpened.model_validate(body.get("event", {}))
    if opened.tab == "home":
        # After the response: a recruiter's Home reads every interviewer's leniency (about a
        # second over thousands of loops), and Slack wants the event answered within 3 s.
        user = opened.user
        services.background.submit(partial(services.homes.refresh_homes, user), user=None, key=("home", user))


def _open_hours_modal(services: Services, click: BlockAction) -> None:
    # The trigger is usable once, for 3 s: the modal opens before anything slow.
    services.slack.open_view(
        click.trigger_id, hours_modal(services.loops.people.summary(click.user_id), services.settings.weekly_cap)
    )


def _save_hours(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    sub = ViewSubmission.model_validate(body)
    user, form = sub.user_id, _hours(sub.state)
    if submit(ack, Block.HOURS_START, lambda: services.loops.people.validate(form)):
        services.background.submit(lambda: services.loops.save_hours(user, form), user=user)


LISTENERS = [
    event("app_home_opened", _home_opened),
    action(Action.MY_HOURS, click(_open_hours_modal, answer_in_channel=False)),
    view(Callback.MY_HOURS, _save_hours),
]
