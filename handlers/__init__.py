"""The Slack edge: listeners that translate Slack requests into service calls."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Services
from handlers import commands, debrief, errors, home, loops, pools, scorecards, training, votes, workspace
from handlers.table import register_table


def register(app: App, services: Services) -> None:
    workspace.register(app, services)
    errors.register(app, services)
    commands.register(app, services)
    register_table(
        app,
        services,
        [
            *loops.LISTENERS,
            *scorecards.LISTENERS,
            *debrief.LISTENERS,
            *votes.LISTENERS,
            *training.LISTENERS,
            *home.LISTENERS,
            *pools.LISTENERS,
        ],
    )
