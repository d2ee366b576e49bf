"""A few canned Web API answers on a local port, for start-up failures the emulator cannot play.

The emulator accepts any token and has no Socket Mode; a revoked bot token, a refused
app-level token and a Slack outage need a server that answers exactly what Slack would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.httpd import base_url, serving


@contextmanager
def stub_slack(answers: dict[str, tuple[int, dict]]) -> Iterator[tuple[str, list[str]]]:
    """Serve `answers` (method -> (HTTP status, JSON body)); yields the API URL and the methods called."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            method = self.path.rsplit("/", 1)[-1].split("?")[0]
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            calls.append(method)
            status, body = answers.get(method, (200, {"ok": False, "error": "unknown_method"}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as server:
        yield base_url(server), calls


AUTH_OK = (200, {"ok": True, "user_id": "UBOT", "team_id": "T1"})
