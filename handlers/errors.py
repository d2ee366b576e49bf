"""The one place domain errors become what a person sees.

- slash commands: the error's sentence is the (ephemeral) answer to the command, in the ack,
  or through the command's response_url when the work went on after the ack;
- view submissions: InvalidInput goes beside each field (`response_action: errors`), any
  other domain error beside the modal's first input;
- button clicks: acked at once; a failure afterwards is said ephemerally, or by DM.
Anything that is not a domain error is logged by Bolt's error handler, with its type only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson
from slack_bolt import Ack, App

from bot.container import Services
from bot.errors import HirebotError, InvalidInput, SlackTimeout
from bot.services.ports import Message

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on our side. Nothing was changed; please try again."


def ack_with(ack: Ack, **fields: Any) -> None:
    """Ack with a JSON body: a message's text and blocks, or a modal's response_action.

    Bolt encodes a dict answer with the standard library's json (27 µs for a 3 KB status card,
    a tenth of `/hire status`'s CPU). A str answer it sends as it is, labelled JSON when it
    opens with `{`; so the body is encoded here, once, by orjson (1.3 µs). Block ids are
    StrEnums, which orjson takes as keys only when told to (OPT_NON_STR_KEYS)."""
    ack(orjson.dumps(fields, option=orjson.OPT_NON_STR_KEYS).decode())


def answer(ack: Ack, produce: Callable[[], Message | str]) -> None:
    """Answer a slash command with the result of `produce`, or with the error's sentence."""
    try:
        result = produce()
    except HirebotError as exc:
        ack(text=exc.user_message)
        return
    if isinstance(result, Message):
        ack_with(ack, text=result.text, blocks=result.blocks)
    else:
        ack(text=result)


def submit(ack: Ack, first_block: str, produce: Callable[[], Any]) -> bool:
    """Validate and accept a modal; True when it was accepted and the work should go on.

    `produce` returns nothing to close the modal, or a view to replace it with.
    """
    try:
        result = produce()
    except InvalidInput as exc:
        ack_with(ack, response_action="errors", errors=exc.errors)
        return False
    except HirebotError as exc:
        ack_with(ack, response_action="errors", errors={first_block: exc.user_message})
        return False
    if isinstance(result, dict):
        ack_with(ack, response_action="update", view=result)
    else:
        ack()
    return True


def after_ack(services: Services, user: str, channel: str | None, work: Callable[[], object]) -> None:
    """Run `work` after the click was acked; tell the person if it failed."""
    try:
        work()
    except HirebotError as exc:
        tell = partial(services.tell, user, exc.user_message, channel)
        if isinstance(exc, SlackTimeout):
            # The request's time to answer Slack is spent, and telling them is a Slack call too.
            services.background.submit(tell, user=None)
            return
        try:
            tell()
        except SlackTimeout:
            services.background.submit(tell, user=None)


def register(app: App, services: Services) -> None:
    @app.error
    def unexpected(error: Exception, body: dict[str, Any]) -> None:
        # Only the type and the request kind: the body holds candidate names and scorecard text.
        log.error(
            "unhandled %s in a %s request",
            type(error).__name__,
            body.get("type", "command"),
            exc_info=(type(error), error, error.__traceback__),
        )
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
        if user:
            try:
                # A command's (or a message button's) response_url answers where it was used.
                services.tell(user, GENERIC, reply_url=body.get("response_url"))
            except HirebotError:
                log.warning("could not tell %s about the failure", "the user")
