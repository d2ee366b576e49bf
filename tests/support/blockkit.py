"""Slack's Block Kit limits, checked the way Slack would refuse a payload.

The emulator does not check Block Kit, so every view and message the app sends in the
end-to-end tests passes through `check_view` or `check_message` (RecordingClient calls them),
and the builders are also checked directly with worst-case inputs.
"""

from __future__ import annotations

import json
import re
from typing import Any

LIMITS = {
    "modal_blocks": 100,
    "home_blocks": 100,
    "message_blocks": 50,
    "modal_title": 24,
    "modal_button": 24,
    "private_metadata": 3000,
    "callback_id": 255,
    "section_text": 3000,
    "section_fields": 10,
    "field_text": 2000,
    "header_text": 150,
    "context_elements": 10,
    "actions_elements": 25,
    "option_text": 75,
    "option_description": 75,
    "option_value": 150,
    "radio_options": 10,
    "checkbox_options": 10,
    "select_options": 100,
    "button_text": 75,
    "button_value": 2000,
    "action_id": 255,
    "block_id": 255,
    "input_label": 2000,
    "input_hint": 2000,
    "placeholder": 150,
    "input_max_length": 3000,
    "message_text": 40000,
    "image_text": 2000,
}
# Slack's check on an image block's slack_file id (quoted in its invalid_blocks answer).
SLACK_FILE_ID = re.compile(r"^F[A-Z0-9]{8,}$")


class BlockKitError(AssertionError):
    pass


def _fail(problems: list[str], where: str, what: str) -> None:
    problems.append(f"{where}: {what}")


def _text_len(obj: dict[str, Any] | None) -> int:
    return len((obj or {}).get("text", ""))


def _check_option(problems: list[str], where: str, option: dict[str, Any]) -> None:
    if _text_len(option.get("text")) > LIMITS["option_text"]:
        _fail(problems, where, f"option text over {LIMITS['option_text']}: {option['text']['text']!r}")
    if _text_len(option.get("description")) > LIMITS["option_description"]:
        _fail(problems, where, f"option description over {LIMITS['option_description']}")
    if len(str(option.get("value", ""))) > LIMITS["option_value"]:
        _fail(problems, where, "option value over 150")


# One branch per Slack rule checked: a table of rules, read top to bottom.
def _check_element(problems: list[str], where: str, element: dict[str, Any]) -> None:  # noqa: C901
    kind = element.get("type")
    if len(element.get("action_id", "")) > LIMITS["action_id"]:
        _fail(problems, where, "action_id over 255")
    if kind == "button":
        if _text_len(element.get("text")) > LIMITS["button_text"]:
            _fail(problems, where, "button text over 75")
        if len(element.get("value", "")) > LIMITS["button_value"]:
            _fail(problems, where, "button value over 2000")
    options = element.get("options", [])
    limit = {"radio_buttons": LIMITS["radio_options"], "checkboxes": LIMITS["checkbox_options"], "overflow": 5}.get(
        kind, LIMITS["select_options"]
    )
    if len(options) > limit:
        _fail(problems, where, f"{kind} has {len(options)} options (limit {limit})")
    for option in options:
        _check_option(problems, where, option)
    for group in element.get("option_groups", []):
        for option in group.get("options", []):
            _check_option(problems, where, option)
    initial = element.get("initial_option")
    if initial is not None and initial not in options and not element.get("option_groups"):
        _fail(problems, where, "initial_option is not one of the options")
    for chosen in element.get("initial_options", []):
        if chosen not in options:
            _fail(problems, where, "an initial_options entry is not one of the options")
    if _text_len(element.get("placeholder")) > LIMITS["placeholder"]:
        _fail(problems, where, "placeholder over 150")
    if kind == "plain_text_input":
        if element.get("max_length", 0) > LIMITS["input_max_length"]:
            _fail(problems, where, "max_length over 3000")
        if len(element.get("initial_value", "")) > element.get("max_length", LIMITS["input_max_length"]):
            _fail(problems, where, "initial_value longer than max_length")


def check_blocks(blocks: list[dict[str, Any]], limit: int, where: str) -> list[str]:  # noqa: C901
    problems: list[str] = []
    if len(blocks) > limit:
        _fail(problems, where, f"{len(blocks)} blocks (limit {limit})")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{where} block {index} ({block.get('type')}/{block.get('block_id', '-')})"
        block_id = block.get("block_id")
        if block_id:
            if len(block_id) > LIMITS["block_id"]:
                _fail(problems, here, "block_id over 255")
            if block_id in seen:
                _fail(problems, here, "duplicate block_id")
            seen.add(block_id)
        kind = block.get("type")
        if kind == "section":
            if _text_len(block.get("text")) > LIMITS["section_text"]:
                _fail(problems, here, f"section text {_text_len(block.get('text'))} chars (limit 3000)")
            fields = block.get("fields", [])
            if len(fields) > LIMITS["section_fields"]:
                _fail(problems, here, "more than 10 fields")
            for field in fields:
                if _text_len(field) > LIMITS["field_text"]:
                    _fail(problems, here, "field text over 2000")
            if not block.get("text") and not fields:
                _fail(problems, here, "a section needs text or fields")
            if "accessory" in block:
                _check_element(problems, here, block["accessory"])
        elif kind == "header":
            if _text_len(block.get("text")) > LIMITS["header_text"]:
                _fail(problems, here, "header text over 150")
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > LIMITS["context_elements"]:
                _fail(problems, here, f"context has {len(elements)} elements (1 to 10)")
            for element in elements:
                if _text_len(element) > LIMITS["section_text"]:
                    _fail(problems, here, "context text over 3000")
        elif kind == "actions":
            elements = block.get("elements", [])
            if not elements or len(elements) > LIMITS["actions_elements"]:
                _fail(problems, here, f"actions has {len(elements)} elements (1 to 25)")
            for element in elements:
                _check_element(problems, here, element)
        elif kind == "input":
            if _text_len(block.get("label")) > LIMITS["input_label"]:
                _fail(problems, here, "label over 2000")
            if _text_len(block.get("hint")) > LIMITS["input_hint"]:
                _fail(problems, here, "hint over 2000")
            _check_element(problems, here, block.get("element", {}))
        elif kind == "image":
            _check_image(problems, here, block)
        elif kind not in ("divider", "rich_text"):
            _fail(problems, here, f"unexpected block type {kind!r}")
        for text_obj in _texts(block):
            if not text_obj.get("text"):
                _fail(problems, here, "an empty text object (Slack refuses them)")
    return problems


def _check_image(problems: list[str], where: str, block: dict[str, Any]) -> None:
    """alt_text required (plain string, at most 2000); exactly one source; a slack_file names
    exactly one of id and url; a title is plain_text of at most 2000."""
    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt or len(alt) > LIMITS["image_text"]:
        _fail(problems, where, "an image needs alt_text of 1 to 2000 characters")
    if ("image_url" in block) == ("slack_file" in block):
        _fail(problems, where, "an image needs exactly one of image_url and slack_file")
    file = block.get("slack_file")
    if file is not None:
        if ("id" in file) == ("url" in file):
            _fail(problems, where, "a slack_file needs exactly one of id and url")
        if "id" in file and not SLACK_FILE_ID.match(str(file["id"])):
            _fail(problems, where, f"slack_file id {file['id']!r} is not a file id")
    title = block.get("title")
    if title is not None and (title.get("type") != "plain_text" or _text_len(title) > LIMITS["image_text"]):
        _fail(problems, where, "an image title is plain_text of at most 2000 characters")


def _texts(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for key in ("text", "label", "hint"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    found += [f for f in block.get("fields", []) if isinstance(f, dict)]
    if block.get("type") == "context":
        found += [e for e in block.get("elements", []) if e.get("type") in ("mrkdwn", "plain_text")]
    return found


def check_view(view: dict[str, Any]) -> None:
    problems: list[str] = []
    kind = view.get("type")
    where = f"{kind} view {view.get('callback_id', '')}"
    if kind == "modal":
        for key in ("title", "submit", "close"):
            if key in view and _text_len(view[key]) > LIMITS["modal_title"]:
                _fail(problems, where, f"{key} over 24 chars: {view[key]['text']!r}")
        if len(view.get("private_metadata", "")) > LIMITS["private_metadata"]:
            _fail(problems, where, "private_metadata over 3000")
        if len(view.get("callback_id", "")) > LIMITS["callback_id"]:
            _fail(problems, where, "callback_id over 255")
        has_input = any(b.get("type") == "input" for b in view.get("blocks", []))
        if has_input and "submit" not in view:
            _fail(problems, where, "a modal with inputs needs a submit button")
        problems += check_blocks(view.get("blocks", []), LIMITS["modal_blocks"], where)
    elif kind == "home":
        problems += check_blocks(view.get("blocks", []), LIMITS["home_blocks"], where)
    else:
        _fail(problems, where, "unknown view type")
    if problems:
        raise BlockKitError("\n".join(problems))


def check_message(text: str | None, blocks: list[dict[str, Any]] | str | None, where: str = "message") -> None:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    problems: list[str] = []
    if not text:
        _fail(problems, where, "no plain-text `text` (needed for notifications and screen readers)")
    elif len(text) > LIMITS["message_text"]:
        _fail(problems, where, "text over 40,000 characters")
    problems += check_blocks(blocks or [], LIMITS["message_blocks"], where)
    if problems:
        raise BlockKitError("\n".join(problems))
