"""The burst benchmark's fake Slack keeps chat.postMessage's limits: one a second per channel,
300 a minute per workspace, and a 429 with a whole-second Retry-After above either."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from benchmarks.post_limits import WORKSPACE_BURST, FakeSlack, PostMessageLimits, floor_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_message_a_second_per_channel():
    clock = Clock()
    limits = PostMessageLimits(clock)
    assert limits.take("D1") == 0
    assert limits.take("D1") == 1  # the second within the same second is refused
    clock.now += 0.5
    assert limits.take("D1") == 1  # half a second later: Retry-After rounds up to a whole second
    assert limits.take("D2") == 0  # another channel is not held back
    clock.now += 0.5
    assert limits.take("D1") == 0


def test_refused_calls_are_not_counted():
    clock = Clock()
    limits = PostMessageLimits(clock)
    assert limits.take("D1") == 0
    for _ in range(10):
        assert limits.take("D1") == 1
    clock.now += 1.0
    assert limits.take("D1") == 0


def test_workspace_ceiling_holds_across_channels():
    clock = Clock()
    limits = PostMessageLimits(clock, per_minute=300, burst=5)
    # The burst, one channel each, then the sixth waits for the workspace, not for its channel.
    assert [limits.take(f"D{n}") for n in range(5)] == [0] * 5
    assert limits.take("D5") == 1
    # Over a minute, 300 more go to fresh channels at 5 a second, and no more.
    accepted = 0
    for step in range(600):
        clock.now += 0.1
        accepted += limits.take(f"E{step}") == 0
        accepted += limits.take(f"F{step}") == 0
    assert accepted == 300


def test_retry_after_is_the_wait_rounded_up():
    clock = Clock()
    limits = PostMessageLimits(clock, per_minute=6, burst=1)  # one every 10 s
    assert limits.take("D1") == 0
    assert limits.take("D2") == 10
    clock.now += 8.5
    assert limits.take("D3") == 2
    clock.now += 1.5
    assert limits.take("D3") == 0


def test_floor_is_the_workspace_pace_or_one_channels_queue():
    assert floor_seconds([f"D{n}" for n in range(5)]) == 0.0
    assert floor_seconds([f"D{n}" for n in range(305)]) == pytest.approx(60.0)
    assert floor_seconds(["D1"] * 4 + ["D2"]) == pytest.approx(3.0)
    assert floor_seconds([]) == 0.0
    assert WORKSPACE_BURST == 5


def _post(url: str, channel: str) -> tuple[int, dict, str | None]:
    body = json.dumps({"channel": channel, "text": "hi"}).encode()
    request = urllib.request.Request(url + "chat.postMessage", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read()), None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), exc.headers.get("Retry-After")


def test_the_fake_answers_429_with_retry_after_over_http():
    clock = Clock()
    with FakeSlack(PostMessageLimits(clock)) as slack:
        status, payload, _ = _post(slack.api_url, "D1")
        assert (status, payload["ok"]) == (200, True)
        status, payload, retry_after = _post(slack.api_url, "D1")
        assert (status, payload["error"], retry_after) == (429, "ratelimited", "1")
    assert [d.channel for d in slack.delivered] == ["D1"]
    assert slack.limited == 1
