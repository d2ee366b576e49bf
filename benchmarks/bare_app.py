"""The load benchmark's baselines: Bolt apps under the same gunicorn, as WSGI apps.

    gunicorn --config python:bot.gunicorn_conf ... 'benchmarks.bare_app:create_wsgi()'
    gunicorn --config python:bot.gunicorn_conf ... 'benchmarks.bare_app:create_storing_wsgi()'

Both answer the same signed requests as hirebot (the slash command, the *Submit scorecard*
button, the scorecard and new-loop submissions) with empty acks. Like hirebot they run
listeners before answering (process_before_response) and check no token per worker. /healthz
answers as hirebot's does, so the benchmark starts all three the same way.

- bare: Bolt's own work only (the signature check, parsing, middleware and routing).
- storing: the bare app, except that a scorecard submission is stored before its ack, in the
  plainest way SQLAlchemy offers and on hirebot's engine settings (`db.session.make_engine`):
  one transaction that locks the interview's row and appends one row. A Bolt app written the
  plain way pays about that to keep a submission durably before answering, so the storing app's
  distance from the bare app is what storing costs, and hirebot's distance from the storing app
  roughly what hirebot's own rules cost beyond it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any, cast

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import Engine, Table, bindparam, insert, select

from db.models import AuditEvent, Interview
from db.session import make_engine
from handlers.ids import COMMAND, Action, Callback

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_interviews = cast(Table, Interview.__table__)
_audit = cast(Table, AuditEvent.__table__)
_LOCK = select(_interviews.c.candidate_id).where(_interviews.c.id == bindparam("interview_id")).with_for_update()
STORED = "bench.stored"  # the action of the rows the storing app appends


def just_ack(ack: Ack) -> None:
    ack()


def bare_bolt(signing_secret: str, token: str, api_url: str, store: Callable[..., None] | None = None) -> App:
    app = App(
        signing_secret=signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        client=WebClient(token=token, base_url=api_url, timeout=10),
    )
    app.command(COMMAND)(just_ack)
    app.action(Action.OPEN_SCORECARD)(just_ack)
    app.view(Callback.SCORECARD)(store or just_ack)
    app.view(Callback.NEW_LOOP)(just_ack)
    return app


def storing_listener(engine: Engine) -> Callable[..., None]:
    """A scorecard submission's listener that stores it, then acks."""

    def store(ack: Ack, body: dict[str, Any]) -> None:
        interview_id = int(json.loads(body["view"]["private_metadata"])["interview_id"])
        with engine.begin() as connection:
            candidate_id = connection.execute(_LOCK, {"interview_id": interview_id}).scalar_one()
            row = {"actor_id": body["user"]["id"], "action": STORED, "candidate_id": candidate_id}
            connection.execute(insert(_audit), {**row, "details": {"interview": interview_id}})
        ack()

    return store


def _wsgi(app: App) -> WSGIApp:
    handler = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
            return [b"ok\n"]
        return handler(environ, start_response)

    return application


def _settings() -> tuple[str, str, str]:
    api_url = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    return os.environ["SLACK_SIGNING_SECRET"], os.environ["SLACK_BOT_TOKEN"], api_url


def create_wsgi() -> WSGIApp:
    return _wsgi(bare_bolt(*_settings()))


def create_storing_wsgi() -> WSGIApp:
    engine = make_engine(os.environ["DATABASE_URL"])
    return _wsgi(bare_bolt(*_settings(), store=storing_listener(engine)))
