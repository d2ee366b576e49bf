"""chat.postMessage as Slack limits it, and a fake Web API that serves it under those limits.

Slack rates chat.postMessage "special", outside the tiers. Its rate-limits guide says the method
generally allows one message per second per channel (a DM is a channel), tolerates short bursts
above that, and keeps a workspace-wide limit as well, for which Slack publishes no number
(https://docs.slack.dev/apis/web-api/rate-limits and
https://docs.slack.dev/reference/methods/chat.postMessage; the tier is `t5`, "special", in
tests/data/slack_methods/chat.postMessage.json).

This fake takes the strictest reading of both:
- per channel, 1 message a second and no burst (a bucket of one);
- per workspace, 300 messages a minute (our stated assumption: five a second, well above what
  one workspace's hiring sends and settable in hirebot), with one second's
  worth (5) as its burst.
Above either it answers HTTP 429 with `Retry-After` in whole seconds, rounded up, as Slack
does, and the call is not counted. A call up to TOLERANCE seconds early is let through and
its debt repaid by the next, so the pace over time stays exact and a call a few milliseconds
early (network jitter) is not refused, as Slack, counting over longer windows, would not.

`floor_seconds` is the least time these limits allow for a given set of DMs: the yardstick the
burst benchmark (benchmarks/burst.py) measures hirebot against.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHANNEL_PER_SECOND = 1.0
CHANNEL_BURST = 1.0
WORKSPACE_PER_MINUTE = 300
WORKSPACE_BURST = 5.0
TOLERANCE = 0.05  # seconds
POST_MESSAGE = "chat.postMessage"
OPEN_SCORECARD = "hirebot.open_scorecard"  # handlers.ids.Action.OPEN_SCORECARD


class _Bucket:
    def __init__(self, rate: float, size: float, now: float):
        self.rate, self.size, self.tokens, self.last = rate, size, size, now

    def wait(self, now: float) -> float:
        """Seconds until a call may go (0: it may go now, a call up to TOLERANCE early included)."""
        self.tokens = min(self.size, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0 - TOLERANCE * self.rate:
            return 0.0
        return (1.0 - self.tokens) / self.rate


class PostMessageLimits:
    """The two budgets a chat.postMessage call must fit: its channel's and the workspace's."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        per_minute: float = WORKSPACE_PER_MINUTE,
        burst: float = WORKSPACE_BURST,
    ):
        self.clock = clock
        self.per_minute, self.burst = per_minute, burst
        self._lock = threading.Lock()
        self._workspace = _Bucket(per_minute / 60.0, burst, clock())
        self._channels: dict[str, _Bucket] = {}

    def take(self, channel: str) -> int:
        """0 when the call may go (counted in both budgets); else the Retry-After, in whole seconds."""
        with self._lock:
            now = self.clock()
            bucket = self._channels.setdefault(channel, _Bucket(CHANNEL_PER_SECOND, CHANNEL_BURST, now))
            wait = max(bucket.wait(now), self._workspace.wait(now))
            if wait:
                return max(1, math.ceil(wait))
            bucket.tokens -= 1.0
            self._workspace.tokens -= 1.0
            return 0


def floor_seconds(
    channels: Iterable[str], per_minute: float = WORKSPACE_PER_MINUTE, burst: float = WORKSPACE_BURST
) -> float:
    """The least time, from the first call to the last, these limits allow for one message to each
    of `channels` (repeats allowed): a perfect client, sending each as soon as both budgets let it."""
    rate = per_minute / 60.0
    counts: dict[str, int] = {}
    for channel in channels:
        counts[channel] = counts.get(channel, 0) + 1
    total = sum(counts.values())
    if not total:
        return 0.0
    workspace = max(0.0, (total - burst) / rate)
    # One channel's messages: the first at once, then one a second.
    per_channel = (max(counts.values()) - CHANNEL_BURST) / CHANNEL_PER_SECOND
    return max(workspace, per_channel)


@dataclass
class Delivery:
    channel: str
    at: float  # the fake's clock when it was accepted
    interviews: tuple[int, ...]  # the interviews whose scorecard buttons it carries


@dataclass
class FakeSlack:
    """A Web API that answers chat.postMessage (and auth.test) itself, under PostMessageLimits.

    `with FakeSlack() as slack:` then point a SlackGateway at `slack.api_url`. It records every
    message it accepted and counts the 429s it answered."""

    limits: PostMessageLimits = field(default_factory=PostMessageLimits)
    latency: float = 0.0  # seconds each accepted call takes, as a round trip to Slack would
    delivered: list[Delivery] = field(default_factory=list)
    limited: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, method: str, body: dict) -> tuple[int, dict, dict[str, str]]:
        if method != POST_MESSAGE:
            return 200, {"ok": True, "user_id": "U0BOT", "team_id": "T0BURST"}, {}
        channel = str(body.get("channel", ""))
        if not channel:
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        retry_after = self.limits.take(channel)
        if retry_after:
            with self._lock:
                self.limited += 1
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.delivered.append(Delivery(channel, self.limits.clock(), _interviews(body.get("blocks"))))
            ts = f"{len(self.delivered)}.000100"
        return 200, {"ok": True, "channel": channel, "ts": ts}, {}


def _handler(slack: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet: the benchmark prints a table
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            method = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
            status, payload, headers = slack.answer(method, body if isinstance(body, dict) else {})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _interviews(blocks: object) -> tuple[int, ...]:
    """The interview ids on a reminder's "Submit scorecard" buttons."""
    found: list[int] = []
    for block in blocks if isinstance(blocks, list) else []:
        accessory = block.get("accessory") if isinstance(block, dict) else None
        if isinstance(accessory, dict) and accessory.get("action_id") == OPEN_SCORECARD:
            try:
                found.append(int(accessory["value"]))
            except (KeyError, TypeError, ValueError):
                continue
    return tuple(found)
