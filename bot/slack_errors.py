"""Slack's error codes as hirebot's domain errors (bot/errors.py): what a person must fix, a
target that is gone, and what a retry may cure."""

from __future__ import annotations

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
