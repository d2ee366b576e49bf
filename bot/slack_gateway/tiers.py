"""Slack's rate tiers, the tier of every method hirebot calls, and the limiter that keeps to them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot import errors

# Calls per minute for each Slack rate tier (https://docs.slack.dev/apis/web-api/rate-limits).
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

# The tier of every method hirebot calls; tests check this against Slack's published tiers.
METHOD_TIERS = {
    "conversations.create": 2,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "conversations.archive": 2,
    "pins.add": 2,
    "bookmarks.add": 2,
    "conversations.invite": 3,
    "chat.update": 3,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "users.info": 4,
    "chat.postEphemeral": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.delete": 3,
}
# chat.postMessage is special: about one message per second per channel, bursts allowed.
POST_MESSAGE = "chat.postMessage"
# Slack rates these "special", outside the tiers. auth.test is called once, at start-up.
SPECIAL_METHODS = (POST_MESSAGE, "auth.test")


class RateLimiter:
    """Token buckets, one per method (and per channel for chat.postMessage).

    Slack counts per method per workspace, and allows short bursts; a bucket of a few
    seconds' worth of calls mirrors that. It is per process: a 429 is still handled.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], list[float]] = {}  # key -> [tokens, last refill]

    @staticmethod
    def budget(method: str) -> tuple[float, float]:
        """(calls per second, burst size) for a method."""
        if method == POST_MESSAGE:
            return 1.0, 3.0
        per_minute = TIER_PER_MINUTE[METHOD_TIERS.get(method, 3)]
        return per_minute / 60.0, max(1.0, per_minute / 10.0)

    def acquire(self, method: str, key: str = "", max_wait: float | None = None) -> float:
        """Take one call's token, sleeping until it is there. Returns the seconds waited.

        If that would take longer than `max_wait`, nothing is taken and SlackRateLimited is raised."""
        rate, burst = self.budget(method)
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get((method, key), [burst, now])
            tokens = min(burst, tokens + (now - last) * rate) - 1.0
            wait = 0.0 if tokens >= 0 else -tokens / rate
            if max_wait is not None and wait > max_wait:
                raise errors.SlackRateLimited(method, wait)
            self._buckets[(method, key)] = [tokens, now]
        if wait:
            self._sleep(wait)
        return wait

    def hold(self, method: str, key: str, seconds: float) -> None:
        """Slack answered 429 with Retry-After `seconds`: its count is the one that matters.

        The refused call's token is given back (Slack did not count the call), and no token is
        there before `seconds` have passed, then one, for the retry. Without this the retry
        waited Retry-After and then our own pace again, and the calls after it ran ahead of
        Slack's count into the next 429."""
        rate, burst = self.budget(method)
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get((method, key), [burst, now])
            tokens = min(burst, tokens + (now - last) * rate) + 1.0
            self._buckets[(method, key)] = [min(tokens, 1.0 - seconds * rate), now]
