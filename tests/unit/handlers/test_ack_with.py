"""ack_with: the answer Bolt would have sent for the same fields, encoded once by orjson."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import Ack
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from handlers.errors import ack_with
from handlers.ids import Block

CASES: list[dict[str, Any]] = [
    {
        "text": "Zoë Ñúñez: 2 of 4 scorecards in",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "&lt;!channel&gt; \u2014 \U0001f44d"}}],
    },
    {"response_action": "errors", "errors": {"rating_block": "Pick a rating — «strong» or not."}},
    {"response_action": "errors", "errors": {Block.RECOMMENDATION: "Choose Hire, No hire or Hold."}},
    {"response_action": "update", "view": {"type": "modal", "title": {"type": "plain_text", "text": "Thanks ✓"}}},
]


@pytest.mark.parametrize("fields", CASES)
def test_the_body_is_what_bolt_would_send_for_the_same_fields(fields: dict[str, Any]) -> None:
    ours, bolts = Ack(), Ack()
    ack_with(ours, **fields)
    bolts(**fields)
    assert ours.response is not None and bolts.response is not None
    assert json.loads(ours.response.body) == json.loads(bolts.response.body) == fields
    assert ours.response.status == 200
    assert ours.response.headers["content-type"] == bolts.response.headers["content-type"]
    assert ours.response.headers["content-type"] == ["application/json;charset=utf-8"]


def test_text_beyond_ascii_is_sent_as_utf8_with_its_byte_length() -> None:
    ack = Ack()
    ack_with(ack, text="Zoë", blocks=[])
    assert ack.response is not None
    sent = WsgiHttpResponse(status=200, headers=ack.response.headers, body=ack.response.body)
    body = b"".join(sent.get_body())
    assert json.loads(body.decode("utf-8")) == {"text": "Zoë", "blocks": []}
    assert dict(sent.get_headers())["content-length"] == str(len(body))
    assert "Zoë".encode() in body  # UTF-8, where Bolt's encoder writes \u00eb


def test_what_json_cannot_carry_is_refused_rather_than_sent_half() -> None:
    ack = Ack()
    with pytest.raises(TypeError):
        ack_with(ack, text="x", blocks=[{1, 2}])
    assert ack.response is None
