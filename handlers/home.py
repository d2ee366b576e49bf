"""The App Home tab: the same personal view as `/hire status` outside a candidate channel."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App

from bot.bootstrap import Services
from handlers.parsing import AppHomeOpened


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        opened = AppHomeOpened.model_validate(event)
        if opened.tab == "home":
            # After the response: a recruiter's Home reads every interviewer's leniency (about a
            # second over thousands of loops), and Slack wants the event answered within 3 s.
            user = opened.user
            services.background.submit(partial(services.loops.refresh_homes, user), user=None, key=("home", user))
