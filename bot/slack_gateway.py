"""The one way out to Slack's Web API.

Everything that talks to Slack goes through `SlackGateway`. It keeps each method inside its
Slack rate tier, waits out a 429's `Retry-After`, and turns Slack's error strings into the
domain errors of bot/errors.py. It logs method names and error codes, never arguments: those
carry candidate names, scorecard text and tokens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import errors, metrics

log = logging.getLogger(__name__)

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
}
USER_CACHE_SECONDS = 60.0
USER_CACHE_SIZE = 5000
# chat.postMessage is special: about one message per second per channel, bursts allowed.
POST_MESSAGE = "chat.postMessage"

_SETUP = {
    "missing_scope",
    "restricted_action",
    "not_authed",
    "invalid_auth",
    "token_revoked",
    "no_permission",
    "account_inactive_token",
    "not_allowed_token_type",
    "ekm_access_denied",
}
_GONE = {
    "user_not_found",
    "users_not_found",
    "account_inactive",
    "user_disabled",
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "cant_invite",
    "user_is_restricted",
    "no_user",
    "invitee_cant_see_channel",
}
_TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited", "rate_limited"}
# Slack documents these as GET methods that take form or query arguments, not JSON bodies.
_READ_METHODS = {"users.info"}
_TRIGGER = {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"}


def to_domain_error(method: str, code: str) -> errors.SlackError:
    if code == "name_taken":
        return errors.ChannelNameTaken(method, code)
    if code in _TRIGGER:
        return errors.TriggerExpired(method, code)
    if code == "hash_conflict":
        return errors.ViewChanged(method, code)
    if code in _SETUP:
        return errors.SlackSetupError(method, code)
    if code in _GONE:
        return errors.SlackTargetGone(method, code)
    if code in _TRANSIENT:
        return errors.SlackTransientError(method, code)
    return errors.SlackError(method, code)


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

    def acquire(self, method: str, key: str = "") -> float:
        """Take one call's token, sleeping until it is there. Returns the seconds waited."""
        rate, burst = self.budget(method)
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get((method, key), [burst, now])
            tokens = min(burst, tokens + (now - last) * rate) - 1.0
            self._buckets[(method, key)] = [tokens, now]
            wait = 0.0 if tokens >= 0 else -tokens / rate
        if wait:
            self._sleep(wait)
        return wait


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    real_name: str
    tz: str | None
    deleted: bool
    is_bot: bool

    @property
    def display(self) -> str:
        return self.real_name or self.name


@dataclass(frozen=True)
class OpenedView:
    id: str
    hash: str


class SlackGateway:
    INVITE_BATCH = 100

    def __init__(
        self,
        client: WebClient,
        limiter: RateLimiter | None = None,
        *,
        max_inline_wait: float = 30.0,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._client = client
        self._limiter = limiter or RateLimiter()
        self._max_inline_wait = max_inline_wait
        self._max_retries = max_retries
        self._sleep = sleep
        self._clock = clock
        self._users: dict[str, tuple[float, SlackUser]] = {}
        self._users_lock = threading.Lock()

    @property
    def web_client(self) -> WebClient:
        """For Bolt's own bookkeeping (auth.test at start-up). hirebot code calls `call` instead."""
        return self._client

    @classmethod
    def connect(cls, token: str, base_url: str, **kwargs: Any) -> SlackGateway:
        return cls(WebClient(token=token, base_url=base_url, timeout=10, logger=_quiet_sdk_logger()), **kwargs)

    # The one place a Web API request is made.

    def call(self, method: str, *, rate_key: str = "", **kwargs: Any) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            self._limiter.acquire(method, rate_key)
            metrics.record_slack_call(method)
            try:
                args = _drop_none(kwargs)
                if method in _READ_METHODS:
                    response = self._client.api_call(method, http_verb="GET", params=args)
                else:
                    response = self._client.api_call(method, json=args)
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as exc:
                status = exc.response.status_code
                if status == 429:
                    retry_after = _retry_after(exc.response.headers)
                    log.warning("slack %s rate limited; Retry-After %.0fs (attempt %d)", method, retry_after, attempt)
                    metrics.record_slack_rate_limited(method)
                    if retry_after > self._max_inline_wait or attempt > self._max_retries:
                        metrics.record_slack_error(method, "ratelimited")
                        raise errors.SlackRateLimited(method, retry_after) from None
                    self._sleep(retry_after)
                    continue
                if status >= 500:
                    log.warning("slack %s failed with HTTP %d", method, status)
                    metrics.record_slack_error(method, f"http_{status}")
                    raise errors.SlackTransientError(method, f"http_{status}") from None
                code = str(exc.response.get("error", "unknown_error"))
                log.info("slack %s answered %s", method, code)
                metrics.record_slack_error(method, code)
                raise to_domain_error(method, code) from None
            except (URLError, TimeoutError, ConnectionError) as exc:
                log.warning("slack %s unreachable: %s", method, type(exc).__name__)
                metrics.record_slack_error(method, "unreachable")
                raise errors.SlackTransientError(method, "unreachable") from None

    # Typed calls. Services use these; their arguments are domain values, not payloads.

    def create_private_channel(self, name: str) -> str:
        # "true", not True: some Slack implementations read only the string form of a boolean.
        data = self.call("conversations.create", name=name, is_private="true")
        return data["channel"]["id"]

    def invite(self, channel: str, users: Iterable[str]) -> None:
        """Invite in batches of 100. A user already in the channel is not a failure."""
        pending = list(dict.fromkeys(u for u in users if u))
        for start in range(0, len(pending), self.INVITE_BATCH):
            batch = pending[start : start + self.INVITE_BATCH]
            try:
                self.call("conversations.invite", channel=channel, users=",".join(batch), force="true")
            except errors.SlackError as exc:
                if exc.code != "already_in_channel":
                    raise
                if len(batch) > 1:
                    # One member already in the channel fails the whole call: invite the rest one by one.
                    for user in batch:
                        self.invite(channel, [user])

    def set_topic(self, channel: str, topic: str) -> None:
        self.call("conversations.setTopic", channel=channel, topic=topic)

    def set_purpose(self, channel: str, purpose: str) -> None:
        self.call("conversations.setPurpose", channel=channel, purpose=purpose)

    def add_bookmark(self, channel: str, title: str, link: str) -> None:
        self.call("bookmarks.add", channel_id=channel, title=title, type="link", link=link)

    def pin(self, channel: str, ts: str) -> None:
        try:
            self.call("pins.add", channel=channel, timestamp=ts)
        except errors.SlackError as exc:
            if exc.code != "already_pinned":
                raise

    def archive(self, channel: str) -> None:
        try:
            self.call("conversations.archive", channel=channel)
        except errors.SlackError as exc:
            if exc.code != "already_archived":
                raise

    def post_message(self, channel: str, text: str, blocks: Sequence[dict] | None = None) -> str:
        data = self.call(POST_MESSAGE, rate_key=channel, channel=channel, text=text, blocks=blocks)
        return data["ts"]

    def update_message(self, channel: str, ts: str, text: str, blocks: Sequence[dict] | None = None) -> None:
        self.call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks)

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: Sequence[dict] | None = None) -> None:
        self.call("chat.postEphemeral", channel=channel, user=user, text=text, blocks=blocks)

    def open_view(self, trigger_id: str, view: dict) -> OpenedView:
        data = self.call("views.open", trigger_id=trigger_id, view=view)
        return OpenedView(data["view"]["id"], data["view"].get("hash", ""))

    def update_view(self, view_id: str, view: dict, hash: str | None = None) -> OpenedView:
        data = self.call("views.update", view_id=view_id, view=view, hash=hash)
        return OpenedView(data["view"]["id"], data["view"].get("hash", ""))

    def push_view(self, trigger_id: str, view: dict) -> OpenedView:
        data = self.call("views.push", trigger_id=trigger_id, view=view)
        return OpenedView(data["view"]["id"], data["view"].get("hash", ""))

    def publish_home(self, user: str, view: dict) -> None:
        self.call("views.publish", user_id=user, view=view)

    def user_info(self, user: str) -> SlackUser:
        """A person's profile. Kept for a minute: the new-loop and interview modals look up the
        same few people again and again, and a time zone or a deactivation can wait that long."""
        now = self._clock()
        with self._users_lock:
            cached = self._users.get(user)
            if cached and now - cached[0] < USER_CACHE_SECONDS:
                return cached[1]
        data = self.call("users.info", user=user)["user"]
        found = SlackUser(
            id=data["id"],
            name=data.get("name", ""),
            real_name=data.get("real_name") or data.get("profile", {}).get("real_name", ""),
            tz=data.get("tz"),
            deleted=bool(data.get("deleted")),
            is_bot=bool(data.get("is_bot")),
        )
        with self._users_lock:
            if len(self._users) >= USER_CACHE_SIZE:
                self._users.clear()
            self._users[user] = (now, found)
        return found


def _quiet_sdk_logger() -> logging.Logger:
    """slack_sdk logs whole request bodies at DEBUG: candidate names and scorecard text.
    Its logger is pinned at INFO whatever the root level is."""
    sdk = logging.getLogger("hirebot.slack_sdk")
    sdk.setLevel(logging.INFO)
    return sdk


def _drop_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def _retry_after(headers: dict[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return 1.0
