"""HTTP mode: Slack posts to /slack/events; load balancers probe GET /healthz.

Start-up checks (token, schema) run once, in gunicorn's master (bot/gunicorn_hooks.py) or in
`hirebot serve`, not in each worker.

The web processes never start a scheduler: in HTTP mode the Procfile's single `worker:`
process runs it, so reminders are never sent twice by several web workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings, load_settings

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_wsgi(settings: Settings | None = None) -> WSGIApp:
    from bot.app import create_app
    from bot.bootstrap import build_services

    settings = settings or load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    services = build_services(settings)
    # The token was checked once before the workers started; a check per worker would stop
    # every worker from booting during a Slack outage.
    slack = SlackRequestHandler(create_app(services, token_verification=False))

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if path == "/slack/events":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application
