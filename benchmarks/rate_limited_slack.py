"""A Slack Web API that keeps Slack's rate tiers: the emulator behind a proxy that answers 429.

The emulator (emulate@0.12.2) serves the Web API but counts no rate limits. This proxy, on
127.0.0.1, forwards every call to it unless the call's method is over its tier, and then
answers HTTP 429 with `Retry-After` (whole seconds, rounded up), as Slack does.

The tiers come from Slack's published method reference (tests/data/slack_methods/*.json), not
from hirebot's gateway, so the gateway's own pacing is what is measured against them. Each
method has its own budget (Slack counts per method per workspace): a token bucket that refills
at the tier's calls per minute and holds three seconds' worth of calls, at least one. Tier 2
(20 a minute) thus allows one call every 3 s and no burst: the strictest reading of "about
20 a minute", less a quarter of a second's tolerance for network jitter (which never adds
up: a call let in early is paid back by the next). chat.postMessage is counted per channel,
one a second.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

METHODS_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "slack_methods"
PER_MINUTE = {"t1": 1, "t2": 20, "t3": 50, "t4": 100}
POST_MESSAGE = "chat.postMessage"
JITTER = 0.25  # seconds


def published_tiers(directory: Path = METHODS_DIR) -> dict[str, str]:
    return {path.stem: json.loads(path.read_text())["rate_limits"] for path in sorted(directory.glob("*.json"))}


class Buckets:
    def __init__(self, tiers: dict[str, str]):
        self.tiers = tiers
        self.lock = threading.Lock()
        self.state: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, last refill)

    def budget(self, method: str) -> tuple[float, float] | None:
        """(calls per second, bucket size), or None for a method that is not counted here."""
        if method == POST_MESSAGE:
            return 1.0, 1.0
        per_minute = PER_MINUTE.get(self.tiers.get(method, ""))
        if per_minute is None:
            return None
        return per_minute / 60.0, max(1.0, math.floor(per_minute / 20))

    def take(self, method: str, key: str) -> float:
        """0 when the call may go ahead (its token taken); else the seconds until it may."""
        budget = self.budget(method)
        if budget is None:
            return 0.0
        rate, size = budget
        with self.lock:
            now = time.monotonic()
            tokens, last = self.state.get((method, key), (size, now))
            tokens = min(size, tokens + (now - last) * rate)
            # A call due within JITTER goes, and its debt is repaid by the next: the pace over
            # time stays exact, and a call a few milliseconds early is not refused as real
            # Slack, counting per minute, would not refuse it.
            if tokens >= 1.0 - JITTER * rate:
                self.state[(method, key)] = (tokens - 1.0, now)
                return 0.0
            self.state[(method, key)] = (tokens, now)
            return (1.0 - tokens) / rate


class RateLimitedSlack:
    """`with RateLimitedSlack(emulator_url) as slack:` then point hirebot at `slack.api_url`."""

    def __init__(self, upstream: str, tiers: dict[str, str] | None = None):
        self.upstream = upstream.rstrip("/")
        self.buckets = Buckets(tiers or published_tiers())
        self.calls: Counter[str] = Counter()  # answered by the emulator
        self.limited: Counter[str] = Counter()  # answered 429 here
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def __enter__(self) -> RateLimitedSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet: the benchmark prints a table
                pass

            def do_GET(self) -> None:
                self._forward(b"")

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def _forward(self, body: bytes) -> None:
                method = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
                wait = proxy.buckets.take(method, _channel(body) if method == POST_MESSAGE else "")
                if wait:
                    proxy.limited[method] += 1
                    payload = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                    self._answer(429, payload, {"Retry-After": str(max(1, math.ceil(wait)))})
                    return
                proxy.calls[method] += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body or None, headers=headers, method=self.command
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        self._answer(response.status, response.read(), {})
                except urllib.error.HTTPError as exc:
                    self._answer(exc.code, exc.read(), {})

            def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _channel(body: bytes) -> str:
    try:
        return str(json.loads(body or b"{}").get("channel", ""))
    except (ValueError, AttributeError):
        return ""
