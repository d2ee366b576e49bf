"""The operator's side of HTTP mode: readiness, metrics, and the request counts at the edge.

- GET/HEAD /healthz: liveness; the process answers, nothing else is checked.
- GET/HEAD /readyz: readiness; one `SELECT 1`, so a load balancer stops sending Slack's
  requests to a process whose database is gone (503) instead of failing each of them.
- GET /metrics: Prometheus text format (bot/metrics.py).
Slack's requests are counted by interaction kind and outcome, and timed, around Bolt's dispatch;
those the edge (bot/edge.py) turns away before Bolt are counted as `unknown`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.request import payload_utils as payload
from slack_bolt.response import BoltResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from db.session import Database

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def interaction(body: dict[str, Any]) -> str:
    """The kind of Slack request, from a fixed set: a label must never carry what a sender chose."""
    if payload.is_slash_command(body):
        return "command"
    if payload.is_view_submission(body):
        return "view_submission"
    if payload.is_view_closed(body):
        return "view_closed"
    if payload.is_action(body):
        return "action"
    if payload.is_options(body):
        return "options"
    if payload.is_shortcut(body):
        return "shortcut"
    if payload.is_event(body):
        return "event"
    if body.get("type") == "url_verification":
        return "url_verification"
    return "other"


def outcome_of_status(status: int) -> str | None:
    if status >= 500:
        return "error"
    if status in (401, 403):
        return "rejected"  # a bad or stale signature
    if status == 404:
        return "unhandled"  # no listener for it
    if status >= 400:
        return "bad_request"  # over the size cap, not a Slack payload, ...
    return None


def outcome(kind: str, response: BoltResponse) -> str:
    if failed := outcome_of_status(response.status):
        return failed
    if kind == "view_submission" and response.body.startswith("{"):
        try:
            # orjson: the body is the whole view a submission answers with, read for one key on
            # every submission (the standard library's decoder took 1% of a submission's time).
            if orjson.loads(response.body).get("response_action") == "errors":
                return "invalid"  # the modal went back with a message beside a field
        except ValueError:
            pass
    return "ok"


def metered_dispatch(app: App, request: BoltRequest) -> BoltResponse:
    """Bolt's dispatch, counted by interaction kind and outcome, and timed."""
    started = time.perf_counter()
    response = app.dispatch(request)
    kind = interaction(request.body if isinstance(request.body, dict) else {})
    metrics.record_request(kind, outcome(kind, response), time.perf_counter() - started)
    return response


def count_refused(status: int) -> None:
    """A request turned away before Bolt: its body is never parsed, so its kind is unknown."""
    metrics.REQUESTS.labels("unknown", outcome_of_status(status) or "bad_request").inc()


def _plain(start_response: Callable[..., Any], status: str, body: bytes, head: bool) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [] if head else [body]


def ops_routes(db: Database) -> dict[str, WSGIApp]:
    """/healthz, /readyz and /metrics as WSGI apps, by path."""
    registry = metrics.build_registry(db)

    def healthz(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "404 Not Found", b"not found\n", False)
        return _plain(start_response, "200 OK", b"ok\n", method == "HEAD")

    def readyz(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "404 Not Found", b"not found\n", False)
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            # The type only: a driver's message can carry the database URL.
            log.warning("not ready: the database did not answer (%s)", type(exc).__name__)
            return _plain(start_response, "503 Service Unavailable", b"database unavailable\n", method == "HEAD")
        return _plain(start_response, "200 OK", b"ready\n", method == "HEAD")

    def metrics_page(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return _plain(start_response, "404 Not Found", b"not found\n", False)
        body = metrics.exposition(registry)
        start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [body]

    return {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_page}
