"""The two requests to Slack that are no Web API method: a file's bytes sent to the upload URL
Slack handed out, and a command's answer sent to its response_url.

Both URLs are credentials of sorts: they are never logged, only the outcome is."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Sequence
from urllib.error import HTTPError

from slack_sdk.webhook import WebhookClient

from bot import errors
from bot.slack_gateway.budget import CALL_TIMEOUT_SECONDS, quiet_sdk_logger, socket_timeout
from bot.slack_gateway.codes import NETWORK_ERRORS, timed_out, to_domain_error

# One logger for the whole gateway: operators (and tests) read its lines under this name.
log = logging.getLogger("bot.slack_gateway")


def send_upload(url: str, content: bytes) -> None:
    """Send a file's bytes to the upload URL of files.getUploadURLExternal."""
    method = "files.upload_url"
    if not url.startswith(("https://", "http://")):
        raise errors.SlackError(method, "invalid_upload_url")
    request = urllib.request.Request(
        url, data=content, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    try:
        with urllib.request.urlopen(request, timeout=socket_timeout(CALL_TIMEOUT_SECONDS)) as response:
            response.read()
    except HTTPError as exc:
        status = exc.code
        log.warning("slack %s failed with HTTP %d", method, status)
        if status == 429 or status >= 500:
            raise errors.SlackTransientError(method, f"http_{status}") from None
        raise errors.SlackError(method, f"http_{status}") from None
    except NETWORK_ERRORS as exc:
        if timed_out(exc):
            log.warning("slack %s timed out", method)
            raise errors.SlackTimeout(method) from None
        log.warning("slack %s unreachable: %s", method, type(exc).__name__)
        raise errors.SlackTransientError(method, "unreachable") from None


def respond(response_url: str, text: str, blocks: Sequence[dict] | None = None) -> None:
    """Answer a command ephemerally through its response_url. Slack takes five answers per URL
    within 30 minutes."""
    client = WebhookClient(response_url, timeout=10, logger=quiet_sdk_logger())
    try:
        response = client.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    except NETWORK_ERRORS as exc:
        log.warning("slack response_url unreachable: %s", type(exc).__name__)
        raise errors.SlackTransientError("response_url", "unreachable") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise errors.SlackTransientError("response_url", f"http_{response.status_code}")
    if response.status_code != 200:
        code = (response.body or "").strip()[:40] or f"http_{response.status_code}"
        log.info("slack response_url answered %s", code)
        raise to_domain_error("response_url", code)
