"""The App Home tab: the same personal view as `/hire status` outside a candidate channel, and
the person's own working hours."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.bootstrap import Services
from bot.services.people import HoursForm
from handlers.builders.hours import hours_modal
from handlers.errors import after_ack, submit
from handlers.ids import Action, Block, Callback
from handlers.parsing import AppHomeOpened, BlockAction, ViewState, ViewSubmission


def _hours(state: ViewState) -> HoursForm:
    return HoursForm(
        start=state.time(Block.HOURS_START),
        end=state.time(Block.HOURS_END),
        days=state.selected_many(Block.HOURS_DAYS),
        holidays=state.text(Block.HOURS_HOLIDAYS),
    )


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        opened = AppHomeOpened.model_validate(event)
        if opened.tab == "home":
            # After the response: a recruiter's Home reads every interviewer's leniency (about a
            # second over thousands of loops), and Slack wants the event answered within 3 s.
            user = opened.user
            services.background.submit(partial(services.loops.refresh_homes, user), user=None, key=("home", user))

    @app.action(Action.MY_HOURS)
    def my_hours_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = BlockAction.model_validate(body)
        trigger = click.trigger_id  # usable once, for 3 s: the modal opens before anything slow

        def open_modal() -> None:
            services.slack.open_view(trigger, hours_modal(services.loops.people.summary(click.user_id)))

        after_ack(services, click.user_id, None, open_modal)

    @app.view(Callback.MY_HOURS)
    def save_hours(ack: Ack, body: dict[str, Any]) -> None:
        sub = ViewSubmission.model_validate(body)
        user, form = sub.user_id, _hours(sub.state)
        if submit(ack, Block.HOURS_START, lambda: services.loops.people.validate(form)):
            services.background.submit(lambda: services.loops.save_hours(user, form), user=user)
