"""HTTP mode: Slack posts to /slack/events; load balancers probe /healthz and /readyz, Prometheus
scrapes /metrics (bot/ops_http.py).

The web processes never start a scheduler: in HTTP mode the Procfile's single `worker:`
process runs it, so reminders are never sent twice by several web workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bot.config import Settings, load_settings
from bot.ops_http import MeteredSlackHandler, ops_routes

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_wsgi(settings: Settings | None = None) -> WSGIApp:
    from bot.app import create_app
    from bot.bootstrap import build_services

    settings = settings or load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    services = build_services(settings)
    slack = MeteredSlackHandler(create_app(services))
    ops = ops_routes(services.db)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ops:
            return ops[path](environ, start_response)
        if path == "/slack/events":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application
