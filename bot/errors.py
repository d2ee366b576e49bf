"""Domain errors. Each carries the sentence a person in Slack should read.

Handlers never catch these one by one: the single error handler registered in
handlers/errors.py turns them into an ephemeral message (or inline modal errors).
"""

from __future__ import annotations


class HirebotError(Exception):
    """Something the user can act on. `user_message` is safe to show in Slack."""

    user_message = "Something went wrong. Nothing was changed; please try again."

    def __init__(self, user_message: str | None = None):
        if user_message is not None:
            self.user_message = user_message
        super().__init__(self.user_message)


class PermissionDenied(HirebotError):
    user_message = "Sorry, you don't have permission to do that."


class NotFound(HirebotError):
    user_message = "I couldn't find that. It may have been cancelled or removed."


class WrongPlace(HirebotError):
    """A command run where it cannot work, such as `/hire schedule` outside a candidate channel."""


class InvalidInput(HirebotError):
    """Bad input from a modal: `errors` maps block ids to the message to show beside each field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


# Slack Web API failures, raised only by the gateway.


class SlackError(HirebotError):
    """A Slack Web API call failed. `code` is Slack's error string, never a token or a payload."""

    retryable = False

    def __init__(self, method: str, code: str, user_message: str | None = None):
        self.method = method
        self.code = code
        super().__init__(user_message or f"Slack refused {method} ({code}).")

    def __str__(self) -> str:
        return f"{self.method}: {self.code}"


class SlackSetupError(SlackError):
    """The app's install lacks a scope or a workspace policy forbids the action: an admin must act."""

    def __init__(self, method: str, code: str):
        hint = {
            "missing_scope": "the app is missing a permission; reinstall it from manifest.json",
            "restricted_action": "a workspace policy stops the app from doing this; ask a Slack admin",
            "not_authed": "the bot token is missing; check SLACK_BOT_TOKEN",
            "invalid_auth": "the bot token is not valid; check SLACK_BOT_TOKEN",
            "token_revoked": "the app was uninstalled or its token revoked; reinstall it",
            "no_permission": "the app is not allowed to do this; ask a Slack admin",
        }.get(code, "the app's Slack setup does not allow this")
        super().__init__(method, code, f"Slack refused {method}: {hint} ({code}).")


class SlackTargetGone(SlackError):
    """The user or channel is gone or deactivated. Retrying will not help."""


class SlackTransientError(SlackError):
    """5xx, timeouts, Slack's own internal errors: worth retrying later."""

    retryable = True


class SlackTimeout(SlackTransientError):
    """Slack did not answer in time: after the socket timeout, or within what was left of the
    3 seconds a request has to be answered in."""

    def __init__(self, method: str):
        super().__init__(method, "timeout", "Slack did not answer in time. Nothing was changed; please try again.")


class SlackRateLimited(SlackTransientError):
    def __init__(self, method: str, retry_after: float):
        self.retry_after = retry_after
        super().__init__(method, "ratelimited", f"Slack asked us to slow down; retrying in {retry_after:.0f}s.")


class ChannelNameTaken(SlackError):
    pass


class TriggerExpired(SlackError):
    def __init__(self, method: str, code: str):
        super().__init__(method, code, "That took too long for Slack to open the window. Please click again.")


class ViewChanged(SlackError):
    """views.update with a stale hash: someone (or another request) changed the view first."""
