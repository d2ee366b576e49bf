"""The load benchmark's baseline: a Bolt app whose listeners only ack, as a WSGI app for gunicorn.

    gunicorn --config python:bot.gunicorn_conf ... 'benchmarks.bare_app:create_wsgi()'

It answers the same signed requests as hirebot (the slash command, the *Submit scorecard*
button, the scorecard and new-loop submissions) with Bolt's own work only: the signature
check, parsing, middleware and routing. Like hirebot it runs listeners before answering
(process_before_response) and checks no token per worker. /healthz answers as hirebot's does,
so the benchmark starts both the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from handlers.ids import COMMAND, Action, Callback

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def just_ack(ack: Ack) -> None:
    ack()


def bare_bolt(signing_secret: str, token: str, api_url: str) -> App:
    app = App(
        signing_secret=signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        client=WebClient(token=token, base_url=api_url, timeout=10),
    )
    app.command(COMMAND)(just_ack)
    app.action(Action.OPEN_SCORECARD)(just_ack)
    app.view(Callback.SCORECARD)(just_ack)
    app.view(Callback.NEW_LOOP)(just_ack)
    return app


def create_wsgi() -> WSGIApp:
    app = bare_bolt(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    handler = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
            return [b"ok\n"]
        return handler(environ, start_response)

    return application
