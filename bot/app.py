"""`create_app` is the only place a Bolt App is built. Nothing here does I/O at import time."""

from __future__ import annotations

from slack_bolt import App

from bot.bootstrap import Services
from bot.logs import bolt_logger


def create_app(services: Services, *, process_before_response: bool = True, token_verification: bool = True) -> App:
    """Build the Bolt app around already-wired services.

    process_before_response=True: listeners ack synchronously and hand slow work to
    services.background, so Bolt never has to poll for the ack (its default mode does, in
    10 ms sleeps).
    """
    settings = services.settings
    app = App(
        signing_secret=settings.slack_signing_secret or "socket-mode-does-not-sign",
        process_before_response=process_before_response,
        token_verification_enabled=token_verification,
        client=services.slack.web_client,
        logger=bolt_logger(),
    )
    from handlers import register

    register(app, services)
    return app
