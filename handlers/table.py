"""Listeners from a table: each module's register() is a list of (kind, id, listener).

The repeated shape of a click is written once here: ack at once, parse the payload, then do
the work (`click`: in the request, a failure told to the person; `later`: in the background
runner). Listeners take `(services, ack, body)`; Bolt's own argument injection stays here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.container import Services
from handlers.errors import after_ack
from handlers.parsing import BlockAction

Listener = Callable[[Services, Ack, dict[str, Any]], None]
ClickWork = Callable[[Services, BlockAction], object]


@dataclass(frozen=True)
class On:
    kind: str  # the App method that registers it: action, view, view_closed, event
    id: str
    listener: Listener


def action(id: str, listener: Listener) -> On:
    return On("action", id, listener)


def view(id: str, listener: Listener) -> On:
    return On("view", id, listener)


def view_closed(id: str, listener: Listener) -> On:
    return On("view_closed", id, listener)


def event(id: str, listener: Listener) -> On:
    """An Events API event; the listener gets the whole envelope as `body`."""
    return On("event", id, listener)


def register_table(app: App, services: Services, table: Sequence[On]) -> None:
    for entry in table:
        getattr(app, entry.kind)(entry.id)(_bound(entry.listener, services))


def _bound(listener: Listener, services: Services) -> Callable[[Ack, dict[str, Any]], None]:
    def run(ack: Ack, body: dict[str, Any]) -> None:  # Bolt fills these two in by name
        listener(services, ack, body)

    return run


def click(work: ClickWork, *, answer_in_channel: bool = True) -> Listener:
    """Ack, parse the click, do `work` while the request is open; a domain error is told to
    the person (ephemerally where they clicked, or by DM when `answer_in_channel` is off)."""

    def listener(services: Services, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicked = BlockAction.model_validate(body)
        channel = clicked.channel_id if answer_in_channel else None
        after_ack(services, clicked.user_id, channel, lambda: work(services, clicked))

    return listener


def later(work: ClickWork) -> Listener:
    """Ack, parse the click, and hand `work` to the background runner (it captures the parsed
    click, never the raw payload): for work that may outlast Slack's 3 seconds."""

    def listener(services: Services, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicked = BlockAction.model_validate(body)
        services.background.submit(lambda: work(services, clicked), user=clicked.user_id, channel=clicked.channel_id)

    return listener
