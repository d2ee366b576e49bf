"""The gateway object: every Web API call hirebot makes, and the typed methods services call.

Its pieces live beside it: the rate tiers (tiers.py), Slack's codes as domain errors (codes.py),
the time budget (budget.py), and the requests that are no Web API method (outside.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import errors, metrics
from bot.slack_gateway.budget import (
    ACK_BUDGET_SECONDS,
    CALL_TIMEOUT_SECONDS,
    BudgetedWebClient,
    budget_left,
    quiet_sdk_logger,
)
from bot.slack_gateway.budget import answering as within_budget
from bot.slack_gateway.codes import NETWORK_ERRORS, retry_after, timed_out, to_domain_error
from bot.slack_gateway.outside import respond as send_response
from bot.slack_gateway.outside import send_upload
from bot.slack_gateway.tiers import POST_MESSAGE, RateLimiter

# One logger for the whole gateway: operators (and tests) read its lines under this name.
log = logging.getLogger("bot.slack_gateway")

USER_CACHE_SECONDS = 60.0
USER_CACHE_SIZE = 5000
FILE_ALT_TEXT_MAX = 1000  # files.getUploadURLExternal refuses longer (alt_txt_too_large)
# Slack documents these as GET methods that take form or query arguments, not JSON bodies.
_READ_METHODS = {"users.info"}
# Slack's file-upload methods take form arguments, not JSON bodies (as slack_sdk sends them).
_FORM_METHODS = {"files.getUploadURLExternal", "files.completeUploadExternal"}


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
    def answering(seconds: float = ACK_BUDGET_SECONDS) -> AbstractContextManager[None]:
        """Slack calls made inside this block, on this thread, end within `seconds` in all."""
        return within_budget(seconds)

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
                    wait = retry_after(exc.response.headers)
                    log.warning("slack %s rate limited; Retry-After %.0fs (attempt %d)", method, wait, attempt)
                    metrics.record_slack_rate_limited(method)
                    left = budget_left()
                    inline = self._max_inline_wait if left is None else min(self._max_inline_wait, left)
                    if wait > inline or attempt > self._max_retries:
                        metrics.record_slack_error(method, "ratelimited")
                        raise errors.SlackRateLimited(method, wait) from None
                    self._limiter.hold(method, rate_key, wait)
                    self._sleep(wait)
                    continue
                if status >= 500:
                    log.warning("slack %s failed with HTTP %d", method, status)
                    metrics.record_slack_error(method, f"http_{status}")
                    raise errors.SlackTransientError(method, f"http_{status}") from None
                code = str(exc.response.get("error", "unknown_error"))
                log.info("slack %s answered %s", method, code)
                metrics.record_slack_error(method, code)
                raise to_domain_error(method, code) from None
            except NETWORK_ERRORS as exc:
                if timed_out(exc):
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
        typed it, and is no Web API call."""
        send_response(response_url, text, blocks)

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
        return self._upload(filename, content, title, channels=user, initial_comment=initial_comment)

    def upload_image(self, filename: str, content: bytes, title: str, alt_text: str) -> str:
        """Upload a picture without sharing it anywhere, for an image block to show by its id
        (`slack_file`). Only the bot can see the file itself; the message shows it to its readers.
        The file's own alt text is cut to Slack's 1000 characters (the image block has 2000)."""
        if len(alt_text) > FILE_ALT_TEXT_MAX:
            alt_text = alt_text[: FILE_ALT_TEXT_MAX - 1] + "…"
        return self._upload(filename, content, title, alt_txt=alt_text)

    def _upload(self, filename: str, content: bytes, title: str, **complete: Any) -> str:
        alt_txt = complete.pop("alt_txt", None)
        data = self.call("files.getUploadURLExternal", filename=filename, length=len(content), alt_txt=alt_txt)
        send_upload(data["upload_url"], content)
        files = json.dumps([{"id": data["file_id"], "title": title}])
        self.call("files.completeUploadExternal", files=files, **complete)
        return data["file_id"]

    def delete_file(self, file_id: str) -> None:
        """Delete a file the bot uploaded. One already gone is not a failure."""
        try:
            self.call("files.delete", file=file_id)
        except errors.SlackError as exc:
            if exc.code not in ("file_not_found", "file_deleted"):
                raise

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


def _drop_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}
