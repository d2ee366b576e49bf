"""bot/logsafety: Bolt's lines keep their news and lose any body they quote."""

from __future__ import annotations

import logging

import pytest

from bot.logsafety import WITHHELD, quiet_bolt_logger
from handlers.workspace import same_workspace

BODY = '{"view": {"state": {"values": {"notes": "Zelda Quux fumbled the join"}}}}'


@pytest.mark.parametrize(
    "line",
    [
        f"Invalid request signature detected (signature: v0=abc, timestamp: 1, body: {BODY})",
        f"Unhandled request ({BODY})",
        f"A global middleware (x) skipped calling either `next()` or `next_()` without providing a response for the request ({BODY})",  # noqa: E501
        f"Request body: {BODY}",
    ],
)
def test_a_quoted_body_is_cut_off(line: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_bolt_logger().warning(line)
    (record,) = caplog.records
    assert "Zelda" not in record.getMessage()
    assert record.getMessage().endswith(WITHHELD)


def test_bolts_debug_lines_are_never_written(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_bolt_logger().debug(f'Responding with status: 200 body: "{BODY}" (3 millis)')
    assert caplog.records == []


def test_an_ordinary_line_is_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_bolt_logger().error("Failed to authorize with the given token")
    assert caplog.records[0].getMessage() == "Failed to authorize with the given token"


@pytest.mark.parametrize(
    ("expected", "request_ids", "served"),
    [
        (("T1", None), ("T1", None), True),
        (("T1", None), ("T2", None), False),
        (("T1", None), (None, None), False),
        (("T1", None), ("T1", "E9"), False),  # our team id, but inside someone's org
        (("T1", "E1"), ("T7", "E1"), True),  # another workspace of our org (org-wide install)
        (("T1", "E1"), ("T1", "E2"), False),
        (("T1", "E1"), ("T1", None), True),
    ],
)
def test_which_workspaces_are_ours(
    expected: tuple[str, str | None], request_ids: tuple[str | None, str | None], served: bool
) -> None:
    assert same_workspace(*expected, *request_ids) is served
