"""The one way out to Slack's Web API.

Everything that talks to Slack goes through `SlackGateway`. It keeps each method inside its
Slack rate tier, waits out a 429's `Retry-After`, and turns Slack's error strings into the
domain errors of bot/errors.py. It logs method names and error codes, never arguments: those
carry candidate names, scorecard text and tokens.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import errors, metrics
from bot.slack_rates import METHOD_TIERS, POST_MESSAGE, TIER_PER_MINUTE, RateLimiter

log = logging.getLogger(__name__)

# Re-exported: the importer plans with the tiers, tests pace with the limiter.
__all__ = ["METHOD_TIERS", "POST_MESSAGE", "TIER_PER_MINUTE", "RateLimiter", "SlackGateway"]

# Slack gives an interaction 3 seconds for its answer, and a listener answers after its own
# Slack calls (users.info in a modal's validation, views.open). While a request waits, those
# calls share this budget, so the answer (an inline error at worst) is still in time, with a
# second left for the network both ways and for our own work.
ACK_BUDGET_SECONDS = 2.0
# Calls after the ack (background jobs, the scheduler) may wait this long for an answer.
CALL_TIMEOUT_SECONDS = 10.0
_MIN_SOCKET_TIMEOUT = 0.05
_deadline: ContextVar[float | None] = ContextVar("slack_ack_deadline", default=None)
USER_CACHE_SECONDS = 60.0
USER_CACHE_SIZE = 5000
# Slack rates these "special", outside the tiers. auth.test is called once, at start-up.
SPECIAL_METHODS = (POST_MESSAGE, "auth.test")

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
# A workspace's file settings: an admin must change them, retrying will not help.
_SETUP |= {
    "file_uploads_disabled",
    "file_uploads_except_images_disabled",
    "file_type_not_allowed",
    "file_upload_size_restricted",
    "storage_limit_reached",
}
# The upload expired or was lost between the steps: the next try starts a new one.
_TRANSIENT = {
    "file_not_found",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
    "rate_limited",
}
# Slack documents these as GET methods that take form or query arguments, not JSON bodies.
_READ_METHODS = {"users.info"}
# Slack's file-upload methods take form arguments, not JSON bodies (as slack_sdk sends them).
_FORM_METHODS = {"files.getUploadURLExternal", "files.completeUploadExternal"}
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
        client = BudgetedWebClient(
            token=token, base_url=base_url, timeout=int(CALL_TIMEOUT_SECONDS), logger=quiet_sdk_logger()
        )
        return cls(client, **kwargs)

    @staticmethod
    @contextmanager
    def answering(seconds: float = ACK_BUDGET_SECONDS) -> Iterator[None]:
        """Slack calls made inside this block, on this thread, end within `seconds` in all."""
        token = _deadline.set(time.monotonic() + seconds)
        try:
            yield
        finally:
            _deadline.reset(token)

    # The one place a Web API request is made.

    def call(self, method: str, *, rate_key: str = "", **kwargs: Any) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            left = budget_left()
            if left is not None and left <= 0:
                log.warning("slack %s not called: the request's time to answer Slack is spent", method)
                raise errors.SlackTimeout(method)
            self._limiter.acquire(method, rate_key, max_wait=left)
            metrics.record_slack_call(method)
            try:
                args = _drop_none(kwargs)
                if method in _READ_METHODS:
                    response = self._client.api_call(method, http_verb="GET", params=args)
                elif method in _FORM_METHODS:
                    response = self._client.api_call(method, params=args)
                else:
                    response = self._client.api_call(method, json=args)
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as exc:
                status = exc.response.status_code
                if status == 429:
                    retry_after = _retry_after(exc.response.headers)
                    log.warning("slack %s rate limited; Retry-After %.0fs (attempt %d)", method, retry_after, attempt)
                    metrics.record_slack_rate_limited(method)
                    left = budget_left()
                    inline = self._max_inline_wait if left is None else min(self._max_inline_wait, left)
                    if retry_after > inline or attempt > self._max_retries:
                        metrics.record_slack_error(method, "ratelimited")
                        raise errors.SlackRateLimited(method, retry_after) from None
                    self._limiter.hold(method, rate_key, retry_after)
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
                if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
                    log.warning("slack %s timed out", method)
                    metrics.record_slack_error(method, "timeout")
                    raise errors.SlackTimeout(method) from None
                log.warning("slack %s unreachable: %s", method, type(exc).__name__)
                metrics.record_slack_error(method, "unreachable")
                raise errors.SlackTransientError(method, "unreachable") from None

    # Typed calls. Services use these; their arguments are domain values, not payloads.

    def auth_test(self) -> dict[str, Any]:
        """Whose token this is. Start-up calls it once to tell a refused token from a Slack outage."""
        return self.call("auth.test")

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

    def respond(self, response_url: str, text: str, blocks: Sequence[dict] | None = None) -> None:
        """Answer a command ephemerally through its response_url: it works wherever the person
        typed it, and is no Web API call. Slack takes five answers per URL within 30 minutes."""
        # The URL is a credential of sorts: it is never logged, only the outcome is.
        client = WebhookClient(response_url, timeout=10, logger=quiet_sdk_logger())
        try:
            response = client.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        except (URLError, TimeoutError, ConnectionError) as exc:
            log.warning("slack response_url unreachable: %s", type(exc).__name__)
            raise errors.SlackTransientError("response_url", "unreachable") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise errors.SlackTransientError("response_url", f"http_{response.status_code}")
        if response.status_code != 200:
            code = (response.body or "").strip()[:40] or f"http_{response.status_code}"
            log.info("slack response_url answered %s", code)
            raise to_domain_error("response_url", code)

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

    def upload_file(self, user: str, filename: str, content: bytes, title: str, initial_comment: str) -> str:
        """Share a file in a person's DM with the bot (Slack's external upload: ask for a URL,
        send the bytes there, then complete). Returns the file id.

        `channels` takes a user id and shares into the DM, so no conversations.open (and no
        im:write scope) is needed. A retry after a failure starts a new upload."""
        data = self.call("files.getUploadURLExternal", filename=filename, length=len(content))
        self._send_upload(data["upload_url"], content)
        files = json.dumps([{"id": data["file_id"], "title": title}])
        self.call("files.completeUploadExternal", files=files, channels=user, initial_comment=initial_comment)
        return data["file_id"]

    def _send_upload(self, url: str, content: bytes) -> None:
        """The bytes go to the upload URL Slack handed out; it is a credential, so never logged."""
        method = "files.upload_url"
        if not url.startswith(("https://", "http://")):
            raise errors.SlackError(method, "invalid_upload_url")
        left = budget_left()
        timeout = CALL_TIMEOUT_SECONDS if left is None else max(_MIN_SOCKET_TIMEOUT, min(CALL_TIMEOUT_SECONDS, left))
        request = urllib.request.Request(
            url, data=content, method="POST", headers={"Content-Type": "application/octet-stream"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except HTTPError as exc:
            status = exc.code
            log.warning("slack %s failed with HTTP %d", method, status)
            if status == 429 or status >= 500:
                raise errors.SlackTransientError(method, f"http_{status}") from None
            raise errors.SlackError(method, f"http_{status}") from None
        except (URLError, TimeoutError, ConnectionError) as exc:
            if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
                log.warning("slack %s timed out", method)
                raise errors.SlackTimeout(method) from None
            log.warning("slack %s unreachable: %s", method, type(exc).__name__)
            raise errors.SlackTransientError(method, "unreachable") from None

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


def budget_left() -> float | None:
    """Seconds left to answer the request this thread is serving; None outside a request."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class BudgetedWebClient(WebClient):
    """A WebClient whose socket timeout is never longer than what is left of the budget.

    slack_sdk reads `timeout` afresh for each HTTP attempt (retries included); the budget
    lives in a context variable, so threads sharing the client do not disturb each other."""

    @property  # type: ignore[override]
    def timeout(self) -> float:
        left = budget_left()
        return self._timeout if left is None else max(_MIN_SOCKET_TIMEOUT, min(self._timeout, left))

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = value


def quiet_sdk_logger() -> logging.Logger:
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
