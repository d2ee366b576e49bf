"""Block Kit builders: pure functions from domain objects to blocks and views."""

from __future__ import annotations

from typing import Any

from bot.services.ports import LoopCard, Message, PersonalStatus
from handlers.builders import loops


class BlockKitRenderer:
    """The services' Renderer: how hirebot's domain objects look in Slack."""

    def loop_card(self, card: LoopCard) -> Message:
        return loops.loop_card(card)

    def home(self, status: PersonalStatus) -> dict[str, Any]:
        return loops.home_view(status)
