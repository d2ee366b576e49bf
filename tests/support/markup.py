"""Reading what hirebot sent Slack as Slack would parse it: the mrkdwn strings of a message or view."""

from __future__ import annotations

from typing import Any


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn string in blocks or a view (Slack never parses plain_text for markup)."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    return []
