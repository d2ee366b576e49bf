"""HTTP mode: Slack posts to /slack/events; load balancers probe /healthz and /readyz, Prometheus
scrapes /metrics (bot/ops_http.py).

Start-up checks (token, schema) run once, in gunicorn's master (bot/gunicorn_conf.py) or in
`hirebot serve`, not in each worker.

The web processes never start a scheduler: in HTTP mode the Procfile's single `worker:`
process runs it, so reminders are never sent twice by several web workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config import Settings, load_settings
from bot.edge import MALFORMED, Refused, RequestGuard, refuse
from bot.ops_http import count_refused, metered_dispatch, ops_routes

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger(__name__)

# `hirebot serve`: how long one connection may take to send its request. A client that
# stalls holds one thread for this long, never the server.
READ_TIMEOUT_SECONDS = 10


def create_wsgi(settings: Settings | None = None) -> WSGIApp:
    settings = settings or load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    services = build_services(settings)
    # The token was checked once before the workers started; a check per worker would stop
    # every worker from booting during a Slack outage.
    # The edge (bot/edge.py) checks each signature before Bolt sees the request, and may hand
    # Bolt the decoded payload rather than the signed bytes: Bolt's own check is off.
    app = create_app(services, token_verification=False, request_verification=False)
    guard = RequestGuard(settings.slack_signing_secret or "")
    ops = ops_routes(services.db)

    def slack_events(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            request = guard.admit(environ)
        except Refused as refused:
            count_refused(refused.status)
            return refuse(start_response, refused, environ)
        try:
            answer = metered_dispatch(app, request)
        except MALFORMED as exc:  # Bolt matching listeners against a payload of an odd shape
            count_refused(400)
            return refuse(start_response, Refused(400, f"payload Bolt cannot read ({type(exc).__name__})"), environ)
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ops:
            return ops[path](environ, start_response)
        if path == "/slack/events" and environ.get("REQUEST_METHOD") == "POST":
            return slack_events(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application


class _Handler(WSGIRequestHandler):
    timeout = READ_TIMEOUT_SECONDS  # socketserver sets it on each connection

    def handle(self) -> None:
        try:
            super().handle()
        except TimeoutError:
            log.info("closed a connection that sent no complete request in %ds", READ_TIMEOUT_SECONDS)


class ThreadedServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server serves one connection at a time: one client that stops sending
    half-way through a request would freeze it, /healthz included. Here each connection
    has its own thread and a read timeout."""

    daemon_threads = True


def make_server(host: str, port: int, application: WSGIApp) -> ThreadedServer:
    server = ThreadedServer((host, port), _Handler)
    server.set_app(application)
    return server
