"""chat.postMessage's workspace-wide pace in hirebot's own limiter: a message takes a token from
its channel's bucket and from the workspace's, so a burst of DMs to different people keeps to
the workspace ceiling instead of running into Slack's 429s."""

from __future__ import annotations

import pytest

from bot import errors
from bot.slack_gateway.tiers import MESSAGES_PER_MINUTE, POST_MESSAGE, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_dms_to_different_people_keep_to_the_workspace_ceiling():
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    for n in range(5 + MESSAGES_PER_MINUTE):  # one second's burst, then a minute's worth
        limiter.acquire(POST_MESSAGE, f"D{n}")
    assert clock.now - start == pytest.approx(60.0)


def test_the_ceiling_is_a_setting():
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, messages_per_minute=120)
    for n in range(2 + 120):
        limiter.acquire(POST_MESSAGE, f"D{n}")
    assert clock.now - 1000.0 == pytest.approx(60.0)


def test_one_channel_still_waits_a_second_between_messages_after_its_burst():
    clock, waits = Clock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    for _ in range(3):
        assert limiter.acquire(POST_MESSAGE, "D1") == 0
    assert limiter.acquire(POST_MESSAGE, "D1") == pytest.approx(1.0)


def test_a_429_holds_every_channel_for_its_retry_after():
    """Slack does not say which limit a refused message met: the workspace waits too."""
    clock, waits = Clock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    limiter.acquire(POST_MESSAGE, "D1")
    limiter.hold(POST_MESSAGE, "D1", 2.0)
    assert limiter.acquire(POST_MESSAGE, "D2") == pytest.approx(2.0)


def test_other_methods_do_not_share_the_message_budget():
    clock, waits = Clock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    for n in range(5):
        limiter.acquire(POST_MESSAGE, f"D{n}")
    assert limiter.acquire("chat.postEphemeral", "D9") == 0
    assert limiter.acquire(POST_MESSAGE, "D9") == pytest.approx(0.2)


def test_a_wait_past_the_budget_takes_nothing():
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, messages_per_minute=60)
    limiter.acquire(POST_MESSAGE, "D1")
    with pytest.raises(errors.SlackRateLimited):
        limiter.acquire(POST_MESSAGE, "D2", max_wait=0.5)
    clock.now += 1.0
    assert limiter.acquire(POST_MESSAGE, "D2", max_wait=0.5) == 0
