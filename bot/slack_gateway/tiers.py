"""Slack's rate limits as hirebot paces itself against them: the tiers, and chat.postMessage.

Slack counts per method per workspace, and allows short bursts; a token bucket of a few
seconds' worth of calls mirrors that. chat.postMessage is rated "special", outside the tiers:
about one message a second per channel (a DM is a channel), short bursts allowed, under a
workspace-wide limit for which Slack publishes no number
(https://docs.slack.dev/apis/web-api/rate-limits, https://docs.slack.dev/reference/methods/chat.postMessage).
We assume 300 a minute and keep to it, unless HIREBOT_SLACK_MESSAGES_PER_MINUTE says
otherwise (for two workers sharing a workspace, half each).

The buckets are per process: a 429 is still handled (bot/slack_gateway/gateway.py waits out its
Retry-After and holds the bucket that long).

A DM is a channel of its own, so a bucket per channel is a bucket per person ever messaged: kept
for good, they grew the scheduler worker without end (a few hundred bytes a person). A bucket
that has refilled to its burst is the same as no bucket, so once the limiter holds more than
PRUNE_ABOVE, the full ones are dropped; each sweep also lets the table at least double first,
so pruning costs O(1) a call on average.
"""

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
# chat.postMessage is special: about one message per second per channel, bursts allowed...
POST_MESSAGE = "chat.postMessage"
# Slack rates these "special", outside the tiers. auth.test is called once, at start-up.
SPECIAL_METHODS = (POST_MESSAGE, "auth.test")
# ...and a workspace-wide ceiling, which a 09:30 burst of DMs to different people meets first.
MESSAGES_PER_MINUTE = 300
WORKSPACE = "*workspace*"  # the workspace bucket's key: no channel id looks like it
# Buckets held before the full ones are dropped (a full bucket is the same as none).
PRUNE_ABOVE = 256


class RateLimiter:
    """Token buckets, one per method (and for chat.postMessage, one per channel and one for the
    workspace: a message takes a token from both)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        messages_per_minute: float = MESSAGES_PER_MINUTE,
    ):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], list[float]] = {}  # key -> [tokens, last refill]
        self._prune_above = PRUNE_ABOVE
        self.messages_per_minute = messages_per_minute

    def buckets_held(self) -> int:
        """Buckets held now: the busy ones, and at most PRUNE_ABOVE (or twice the busy ones) in all.
        (A method, not __len__: an empty limiter must still be truthy.)"""
        with self._lock:
            return len(self._buckets)

    def budget(self, method: str, key: str = "") -> tuple[float, float]:
        """(calls per second, burst size) for a method's bucket."""
        if method == POST_MESSAGE and key == WORKSPACE:
            per_second = self.messages_per_minute / 60.0
            return per_second, max(1.0, per_second)  # one second's worth
        if method == POST_MESSAGE:
            return 1.0, 3.0
        per_minute = TIER_PER_MINUTE[METHOD_TIERS.get(method, 3)]
        return per_minute / 60.0, max(1.0, per_minute / 10.0)

    def _keys(self, method: str, key: str) -> list[tuple[str, str]]:
        return [(method, key), (method, WORKSPACE)] if method == POST_MESSAGE else [(method, key)]

    def _tokens(self, bucket: tuple[str, str], now: float) -> float:
        rate, burst = self.budget(*bucket)
        tokens, last = self._buckets.get(bucket, [burst, now])
        return min(burst, tokens + (now - last) * rate)

    def acquire(self, method: str, key: str = "", max_wait: float | None = None) -> float:
        """Take one call's token (from each of its buckets), sleeping until it is there. Returns
        the seconds waited.

        If that would take longer than `max_wait`, nothing is taken and SlackRateLimited is raised."""
        with self._lock:
            now = self._clock()
            left = {bucket: self._tokens(bucket, now) - 1.0 for bucket in self._keys(method, key)}
            wait = max(0.0, *(-tokens / self.budget(*bucket)[0] for bucket, tokens in left.items()))
            if max_wait is not None and wait > max_wait:
                raise errors.SlackRateLimited(method, wait)
            for bucket, tokens in left.items():
                self._buckets[bucket] = [tokens, now]
            if len(self._buckets) > self._prune_above:
                self._prune(now)
        if wait:
            self._sleep(wait)
        return wait

    def _prune(self, now: float) -> None:
        """Drop the buckets that have refilled to their burst (under the lock): `_tokens` gives a
        missing bucket exactly that. The next prune waits until the table has doubled again."""
        full = [bucket for bucket in self._buckets if self._tokens(bucket, now) >= self.budget(*bucket)[1]]
        for bucket in full:
            del self._buckets[bucket]
        self._prune_above = max(PRUNE_ABOVE, 2 * len(self._buckets))

    def hold(self, method: str, key: str, seconds: float) -> None:
        """Slack answered 429 with Retry-After `seconds`: its count is the one that matters.

        The refused call's token is given back (Slack did not count the call), and no token is
        there before `seconds` have passed, then one, for the retry. Without this the retry
        waited Retry-After and then our own pace again, and the calls after it ran ahead of
        Slack's count into the next 429. A refused message holds its channel and the workspace
        alike: Slack's answer does not say which limit it met."""
        with self._lock:
            now = self._clock()
            for bucket in self._keys(method, key):
                rate = self.budget(*bucket)[0]
                tokens = self._tokens(bucket, now) + 1.0
                self._buckets[bucket] = [min(tokens, 1.0 - seconds * rate), now]
