"""`create_app` is the only place a Bolt App is built. Nothing here does I/O at import time."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.container import Services
from bot.logs import bolt_logger
from bot.slack_gateway import SlackGateway
from handlers import register


class _App(App):
    """Bolt's App, with every Slack call made while a request waits for its answer held to
    the gateway's ack budget (listeners run inside dispatch with process_before_response)."""

    def __init__(self, *, gateway: SlackGateway, **kwargs: Any):
        self._hirebot_gateway = gateway
        super().__init__(**kwargs)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with self._hirebot_gateway.answering():
            return super().dispatch(req)


def create_app(
    services: Services,
    *,
    process_before_response: bool = True,
    token_verification: bool = True,
    request_verification: bool = True,
) -> App:
    """Build the Bolt app around already-wired services.

    request_verification=False only behind bot/edge.py, which checks every request's
    signature on the raw bytes before Bolt sees it.

    process_before_response=True: listeners ack synchronously and hand slow work to
    services.background, so Bolt never has to poll for the ack (its default mode does, in
    10 ms sleeps).
    """
    settings = services.settings
    app = _App(
        gateway=services.slack,
        signing_secret=settings.slack_signing_secret or "socket-mode-does-not-sign",
        process_before_response=process_before_response,
        token_verification_enabled=token_verification,
        request_verification_enabled=request_verification,
        client=services.slack.web_client,
        logger=bolt_logger(),
    )
    register(app, services)
    return app
