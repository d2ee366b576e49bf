"""A fast Web API stub for the soak: every method hirebot calls answers ok at once, in the
shape hirebot reads (a channel id, a message ts, a view id, a user with a time zone).

The emulator allows each token 5,000 calls an hour; twenty minutes of steady traffic, with
its card and Home refreshes and the reminders falling due, would pass that and turn into
403s. The soak measures hirebot's processes over time, not Slack, so this answers instantly
and counts the calls by method (chat.postMessage to a user id is a reminder DM delivered).

A file's bytes are taken at the upload URL it hands out, as Slack's are: a stub that refused
them made every dashboard refresh draw its charts again (a chart kept by Slack is drawn only
when its numbers change), which the soak then measured as the web workers' growth.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TEAM = "T000000001"
BOT_USER = "U0HIREBOT1"


class FastSlack:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.dms = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.uploads = 0
        self.upload_base = "http://127.0.0.1:9/"  # set to this stub's own address while serving

    def trigger_id(self) -> str:
        return f"{next(self._ids)}.{TEAM}.soak"

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        with self._lock:
            self.calls[method] += 1
            if method == "chat.postMessage" and str(args.get("channel", "")).startswith(("U", "W")):
                self.dms += 1
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "team_id": TEAM, "bot_id": "B0HIREBOT1"}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            return {"ok": True, "channel": args.get("channel", "C0SOAK"), "ts": f"1700000000.{n:06d}"}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": f"V{n:09d}", "hash": f"{n}.hash"}}
        if method in ("conversations.create", "conversations.open"):
            return {"ok": True, "channel": {"id": f"C{n:09d}"}}
        if method == "users.info":
            user = str(args.get("user", "U0"))
            return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": user, "tz": "UTC"}}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.upload_base}upload/F{n:09d}", "file_id": f"F{n:09d}"}
        return {"ok": True}


@contextmanager
def serving(slack: FastSlack) -> Iterator[str]:
    """Serve `slack` on loopback; yields the API URL (with its trailing slash)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/upload/"):
                with slack._lock:
                    slack.uploads += 1
                self._send(b"OK - " + str(len(body)).encode(), "text/plain")
                return
            method = self.path.rsplit("/", 1)[-1].split("?")[0]
            raw = body.decode(errors="replace")
            try:
                args = json.loads(raw) if raw.startswith("{") else dict(parse_qsl(raw))
            except ValueError:
                args = {}
            self._send(json.dumps(slack.answer(method, args)).encode(), "application/json")

        def _send(self, data: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    slack.upload_base = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()
