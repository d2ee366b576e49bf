"""Slack's answers as hirebot's domain errors (bot/errors.py): error codes, HTTP failures, Retry-After."""

from __future__ import annotations

from typing import Any
from urllib.error import URLError

from bot import errors

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
_TRIGGER = {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"}
# What a network failure is caught as, wherever hirebot sends something to Slack.
NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError)


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


def timed_out(exc: BaseException) -> bool:
    """A socket timeout, raised as itself or wrapped in urllib's URLError."""
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


def retry_after(headers: dict[str, Any]) -> float:
    """Seconds a 429 asks us to wait; one when the header is missing or unreadable."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return 1.0
