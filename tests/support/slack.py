"""Sends requests into the app the way Slack does: form-encoded, signed, with a timestamp.

Web API calls the app makes are recorded (method and arguments) by RecordingClient, which
is how tests find the modal that was opened and how the transcript in issue notes is made.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse

from bot.slack_gateway import BudgetedWebClient, quiet_sdk_logger
from handlers.ids import element_id
from tests.support.blockkit import BlockKitError, check_message, check_view
from tests.support.httpd import QuietServer

SIGNING_SECRET = "test-signing-secret"


class RecordingClient(BudgetedWebClient):
    """The production WebClient (budgeted, quiet logger) that also remembers each call's
    method, arguments and response."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("logger", quiet_sdk_logger())
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        # Block Kit limit breaches: Slack would refuse these payloads, the emulator does not.
        # Kept here as well as raised, because a background job's failure is only logged.
        self.violations: list[str] = []

    def api_call(self, api_method: str, **kwargs: Any):
        args = dict(kwargs.get("json") or kwargs.get("params") or kwargs.get("data") or {})
        try:
            if api_method.startswith("views.") and "view" in args:
                check_view(args["view"] if isinstance(args["view"], dict) else json.loads(args["view"]))
            elif api_method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                check_message(args.get("text"), args.get("blocks"), api_method)
        except BlockKitError as exc:
            self.violations.append(f"{api_method}: {exc}")
            raise
        try:
            response = super().api_call(api_method, **kwargs)
        except Exception as exc:  # record failures too, then let them propagate
            data = getattr(getattr(exc, "response", None), "data", {}) or {}
            self.calls.append((api_method, args, dict(data) if isinstance(data, dict) else {}))
            raise
        self.calls.append((api_method, args, dict(response.data) if isinstance(response.data, dict) else {}))
        return response

    def methods(self) -> list[str]:
        """The app's calls, less Bolt's own auth.test (made once, on the first request)."""
        return [method for method, _, _ in self.calls if method != "auth.test"]

    def last(self, method: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for name, args, response in reversed(self.calls):
            if name == method:
                return args, response
        raise AssertionError(f"the app never called {method}; it called {self.methods()}")

    def all(self, method: str) -> list[dict[str, Any]]:
        return [args for name, args, _ in self.calls if name == method]


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


def form_values(**fields: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` for a submission: one element per input block, as our builders lay them out."""
    return {block: {element_id(block): value} for block, value in fields.items()}


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select(value: str | None) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value} if value else None}


def user(value: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": value}


def users(values: list[str]) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": values}


def date(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def clock_time(value: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": value}


def number(value: int | str) -> dict[str, Any]:
    return {"type": "number_input", "value": str(value)}


class ResponseUrls:
    """Plays Slack's side of response_url, which the emulator does not serve: each command
    gets its own URL on a local HTTP server, and what the app posts to it is kept, in order.

    Like Slack, a URL takes five answers; after that it answers 404 `used_url`."""

    USES = 5

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []  # (url, JSON body)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def new_url(self) -> str:
        if self._server is None:
            self._server = QuietServer(("127.0.0.1", 0), self._handler())
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/commands/{next(self._ids)}"

    def to(self, url: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for posted_to, body in self.posts if posted_to == url]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        urls = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                url = f"http://127.0.0.1:{urls._server.server_address[1]}{self.path}"  # type: ignore[union-attr]
                with urls._lock:
                    used = sum(1 for posted_to, _ in urls.posts if posted_to == url)
                    if used < urls.USES:
                        urls.posts.append((url, body))
                answer = b"ok" if used < urls.USES else b"used_url"
                self.send_response(200 if used < urls.USES else 404)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass  # bodies hold what the app said; keep test output clean

        return Handler


class SlackDriver:
    """Plays Slack's part: slash commands, clicks, modal submissions and events, all signed."""

    def __init__(self, app: App, emulator: Any, client: RecordingClient, team: str = "T000000001"):
        self.app = app
        self.emulator = emulator
        self.client = client
        self.team = team
        self.responses = ResponseUrls()
        self.response_url = ""  # the last command's

    def replies(self, url: str | None = None) -> list[dict[str, Any]]:
        """What the app posted to a command's response_url (the last command's by default)."""
        return self.responses.to(url or self.response_url)

    def stop(self) -> None:
        """Stop the response_url server (the end of a test)."""
        self.responses.close()

    def _dispatch(self, body: str, content_type: str) -> BoltResponse:
        headers = {"content-type": content_type, **sign(body)}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def command(self, user_id: str, text: str, channel: str = "C0GENERAL") -> BoltResponse:
        self.response_url = self.responses.new_url()
        body = urlencode(
            {
                "token": "legacy",
                "team_id": self.team,
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user_id,
                "user_name": user_id,
                "command": "/hire",
                "text": text,
                "response_url": self.response_url,
                "trigger_id": self.emulator.trigger_id(),
                "api_app_id": "A0HIREBOT",
            }
        )
        return self._dispatch(body, "application/x-www-form-urlencoded")

    def _interaction(self, payload: dict[str, Any]) -> BoltResponse:
        payload = {"team": {"id": self.team}, "api_app_id": "A0HIREBOT", "token": "legacy", **payload}
        return self._dispatch(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        channel: str | None = None,
        view: dict[str, Any] | None = None,
        selected: str | None = None,
    ) -> BoltResponse:
        action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "type": "button", "action_ts": "1"}
        if selected is not None:
            action.update(type="overflow", selected_option={"value": selected})
        else:
            action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id},
            "trigger_id": self.emulator.trigger_id(),
            "actions": [action],
        }
        if channel:
            payload["channel"] = {"id": channel}
            payload["container"] = {"type": "message", "channel_id": channel, "message_ts": "1"}
        if view:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        return self._interaction(payload)

    def opened_view(self) -> dict[str, Any]:
        """The last modal the app opened, as Slack would hand it back in a submission."""
        args, response = self.client.last("views.open")
        view = dict(args["view"])
        view.update(id=response["view"]["id"], hash=response["view"].get("hash", ""))
        return view

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> BoltResponse:
        submitted = {**view, "state": {"values": values}}
        submitted.setdefault("id", "V0TEST")
        return self._interaction({"type": "view_submission", "user": {"id": user_id}, "view": submitted})

    def close(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> BoltResponse:
        closed = {**view, "state": {"values": values}}
        return self._interaction({"type": "view_closed", "user": {"id": user_id}, "view": closed, "is_cleared": False})

    def event(self, event: dict[str, Any]) -> BoltResponse:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": self.team,
                "api_app_id": "A0HIREBOT",
                "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns()}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self._dispatch(body, "application/json")


def ack_json(response: BoltResponse) -> dict[str, Any]:
    """The ack's body as Slack reads it: JSON, or plain text meaning an ephemeral reply."""
    assert response.status == 200, (response.status, response.body)
    if not response.body:
        return {}
    try:
        return json.loads(response.body)
    except ValueError:
        return {"text": response.body}
