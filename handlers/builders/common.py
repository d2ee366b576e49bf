"""Small Block Kit pieces and Slack's hard limits. Pure functions: no I/O."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from handlers.ids import element_id

# Slack's limits (DESIGN.md). Builders trim to these; tests check every view against them.
MODAL_TITLE_MAX = 24
MODAL_BLOCKS_MAX = 100
MESSAGE_BLOCKS_MAX = 50
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
OPTION_TEXT_MAX = 75
INPUT_MAX_LENGTH = 3000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
IMAGE_TEXT_MAX = 2000  # an image block's alt_text and title

Block = dict[str, Any]


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = SECTION_TEXT_MAX, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit(text, limit), "emoji": emoji}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": fit(text, limit)}


def split_mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Escaped mrkdwn cut into pieces of at most `limit` characters that join back to `text`:
    between words where there is a break near the end, and never inside an &amp; entity."""
    pieces = []
    while len(text) > limit:
        cut = limit
        amp = text.rfind("&", cut - 4, cut)  # an entity is at most five characters (&amp;)
        if amp != -1 and ";" not in text[amp:cut]:
            cut = amp
        gap = max(text.rfind(" ", cut - 200, cut), text.rfind("\n", cut - 200, cut))
        if gap > 0:
            cut = gap + 1
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def pack_lines(lines: list[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Lines into as few section texts as fit; a line longer than a section is split, not cut."""
    texts: list[str] = []
    current = ""
    for line in lines:
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            texts.append(current)
        *full, current = split_mrkdwn(line, limit)
        texts += full
    return [*texts, current] if current else texts


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS_MAX]]}


def image(file_id: str, alt_text: str, title: str = "") -> Block:
    """A picture uploaded to Slack, shown by its file id. Alt text and title are plain text (Slack
    reads no markup there, so a typed '<!channel>' stays inert) of at most 2000 characters."""
    block: Block = {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": fit(alt_text or "A chart", IMAGE_TEXT_MAX),
    }
    if title:
        block["title"] = plain(title, IMAGE_TEXT_MAX)
    return block


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT_MAX), "action_id": action_id}
    if value:
        element["value"] = fit(value, BUTTON_VALUE_MAX)
    if style:
        element["style"] = style
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    opt: dict[str, Any] = {"text": plain(text, OPTION_TEXT_MAX), "value": value}
    if description:
        opt["description"] = plain(description, OPTION_TEXT_MAX)
    return opt


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    element = {**element, "action_id": element_id(block_id)}
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(
    *,
    multiline: bool = False,
    max_length: int = INPUT_MAX_LENGTH,
    initial: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": min(max_length, INPUT_MAX_LENGTH),
    }
    if initial:
        element["initial_value"] = initial[: element["max_length"]]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = "Submit",
    close: str = "Cancel",
    metadata: dict[str, Any] | None = None,
    notify_on_close: bool = False,
    external_id: str | None = None,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain(close, MODAL_TITLE_MAX),
        "blocks": blocks[:MODAL_BLOCKS_MAX],
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    if metadata is not None:
        view["private_metadata"] = json.dumps(metadata, separators=(",", ":"))
    if notify_on_close:
        view["notify_on_close"] = True
    if external_id:
        view["external_id"] = external_id
    return view


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 scorecard', '2 scorecards'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# Remembered: a status lists the same interview times request after request, and formatting
# each in its zone was a percent of the workers' CPU under load. Equal instants give equal text.
@lru_cache(maxsize=4096)
def when(moment: datetime, fallback_zone: str) -> str:
    """A time Slack shows in each reader's own time zone; the fallback is for old clients and screen text."""
    fallback = moment.astimezone(ZoneInfo(fallback_zone)).strftime("%a %d %b %H:%M %Z")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
