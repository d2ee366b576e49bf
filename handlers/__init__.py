"""The Slack edge: listeners that translate Slack requests into service calls."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Services
from handlers import commands, debrief, errors, home, loops, pools, scorecards, training, votes, workspace


def register(app: App, services: Services) -> None:
    workspace.register(app, services)
    errors.register(app, services)
    commands.register(app, services)
    loops.register(app, services)
    scorecards.register(app, services)
    debrief.register(app, services)
    votes.register(app, services)
    training.register(app, services)
    home.register(app, services)
    pools.register(app, services)
