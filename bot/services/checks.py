"""Checks on what a person typed that the database (or Slack) would refuse later.

PostgreSQL refuses NUL in text, and no control character belongs in a name, a link or an
id; the column widths are the models'. Failing here answers inline in the modal instead of
failing after it closed.
"""

from __future__ import annotations

import unicodedata

MAX_USER_ID = 20  # the width of the user id columns
_LINE_BREAKS = frozenset("\n\r\t")


def has_control(text: str, multiline: bool = False) -> bool:
    """NUL and the other control characters; with `multiline`, line breaks and tabs are fine."""
    allowed = _LINE_BREAKS if multiline else frozenset()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def bad_user_id(user_id: str) -> bool:
    """Not something Slack's user pickers give: too long for the column, or not alphanumeric."""
    return len(user_id) > MAX_USER_ID or not user_id.isalnum()


def text_problems(field: str, value: str, limit: int) -> dict[str, str]:
    """A free-text field's problems, keyed by its block for an inline error (empty: none)."""
    if len(value) > limit:
        return {field: f"Keep it under {limit} characters."}
    if has_control(value, multiline=True):
        return {field: "Remove the control characters (such as NUL) from the text."}
    return {}
