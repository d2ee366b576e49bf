"""A Slack message as the services hand it to the gateway: text for notifications, blocks to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    text: str  # always set: notifications and screen readers read it
    blocks: list[dict[str, Any]] = field(default_factory=list)
