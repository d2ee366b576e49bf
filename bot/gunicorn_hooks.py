"""gunicorn's server hooks for the Procfile's web process (`gunicorn --config python:bot.gunicorn_hooks`).

The start-up checks run once in the master, before any worker forks: a mistake stops the
deploy with one line and a non-zero exit instead of a traceback per worker.
"""

from __future__ import annotations

import sys

from bot.config import ConfigError, load_settings
from bot.startup import preflight


def on_starting(server: object) -> None:
    try:
        preflight(load_settings(), needs=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))
    except ConfigError as exc:
        print(f"hirebot: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
