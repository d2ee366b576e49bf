"""Listeners from a table: each handlers module lists its (kind, id, listener) entries.

The repeated shape of a click is written once here: ack at once, parse the payload, then do
the work (`click`: in the request, a failure told to the person; `later`: in the background
runner). Listeners take `(services, ack, body)`; Bolt's own argument injection stays here.

Bolt gets one listener per kind, which routes by id through a dict. Bolt tries listeners one
after another, and each try builds every argument a listener could ask for (some 30, with
the payload's action, view, event and message looked up in it); with one Bolt listener per
id, a scorecard submission paid 17 such tries before reaching its own, about as much CPU as
the submission's own work when nothing in it changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.background import Lane
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


# Where each kind's id sits in the payload, as Bolt's own matchers read it.
_ID_OF: dict[str, Callable[[dict[str, Any]], str]] = {
    "action": lambda body: body["actions"][0]["action_id"],
    "view": lambda body: body["view"]["callback_id"],
    "view_closed": lambda body: body["view"]["callback_id"],
    "event": lambda body: body["event"]["type"],
}


def register_table(app: App, services: Services, table: Sequence[On]) -> None:
    """Register the whole table: one Bolt listener per kind, matching exactly its ids."""
    routes: dict[str, dict[str, Listener]] = {}
    for entry in table:
        if entry.kind not in _ID_OF:
            raise ValueError(f"no listener kind {entry.kind!r}")
        by_id = routes.setdefault(entry.kind, {})
        if entry.id in by_id:
            # Bolt would have run the first and silently ignored the second.
            raise ValueError(f"two {entry.kind} listeners for {entry.id!r}")
        by_id[entry.id] = entry.listener
    for kind, by_id in routes.items():
        exactly = re.compile(r"\A(?:" + "|".join(map(re.escape, by_id)) + r")\Z")
        getattr(app, kind)(exactly)(_router(services, _ID_OF[kind], by_id))


def _router(
    services: Services, id_of: Callable[[dict[str, Any]], str], by_id: dict[str, Listener]
) -> Callable[[Ack, dict[str, Any]], None]:
    def route(ack: Ack, body: dict[str, Any]) -> None:  # Bolt fills these two in by name
        by_id[id_of(body)](services, ack, body)

    return route


def click(work: ClickWork, *, answer_in_channel: bool = True) -> Listener:
    """Ack, parse the click, do `work` while the request is open; a domain error is told to
    the person (ephemerally where they clicked, or by DM when `answer_in_channel` is off)."""

    def listener(services: Services, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicked = BlockAction.model_validate(body)
        channel = clicked.channel_id if answer_in_channel else None
        after_ack(services, clicked.user_id, channel, lambda: work(services, clicked))

    return listener


def later(work: ClickWork, lane: Lane = Lane.ACTION) -> Listener:
    """Ack, parse the click, and hand `work` to the background runner (it captures the parsed
    click, never the raw payload): for work that may outlast Slack's 3 seconds."""

    def listener(services: Services, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicked = BlockAction.model_validate(body)
        services.background.submit(
            lambda: work(services, clicked), user=clicked.user_id, channel=clicked.channel_id, lane=lane
        )

    return listener
