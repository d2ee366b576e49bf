"""The App Home tab: the same personal view as `/hire status` outside a candidate channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.container import Services
from handlers.parsing import AppHomeOpened


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        opened = AppHomeOpened.model_validate(event)
        if opened.tab == "home":
            services.loops.publish_home(opened.user)
