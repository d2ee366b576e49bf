"""chat.postMessage's workspace-wide pace in hirebot's own limiter: a message takes a token from
its channel's bucket and from the workspace's, so a burst of DMs to different people keeps to
the workspace ceiling instead of running into Slack's 429s."""

from __future__ import annotations

import pytest

from bot import errors
from bot.slack_gateway.tiers import MESSAGES_PER_MINUTE, POST_MESSAGE, PRUNE_ABOVE, RateLimiter


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


def test_buckets_of_channels_gone_quiet_are_dropped():
    """A DM is a channel: a bucket per person ever messaged, kept for good, grew the scheduler
    worker without end (benchmarks/soak.py). A full bucket is the same as none, so it goes."""
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for n in range(5000):  # each to someone new, one a second: each channel is full again 3 s on
        limiter.acquire(POST_MESSAGE, f"D{n}")
        clock.now += 1.0
    assert limiter.buckets_held() <= PRUNE_ABOVE + 1


def test_dropping_buckets_keeps_the_pace_of_busy_and_held_channels():
    clock, waits = Clock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append, messages_per_minute=10**9)
    for _ in range(3):
        limiter.acquire(POST_MESSAGE, "D-busy")  # its burst spent
    limiter.hold("chat.update", "C-held", 30.0)  # a 429's Retry-After (the workspace's messages not held)
    for n in range(PRUNE_ABOVE):  # none full yet: nothing can go
        limiter.acquire(POST_MESSAGE, f"D{n}")
    clock.now += 1.0  # these channels are full again; the busy one has one token back
    for n in range(PRUNE_ABOVE, 2 * PRUNE_ABOVE + PRUNE_ABOVE // 2):
        limiter.acquire(POST_MESSAGE, f"D{n}")
    assert limiter.buckets_held() < 2 * PRUNE_ABOVE
    assert limiter.acquire(POST_MESSAGE, "D-busy") == 0
    assert limiter.acquire(POST_MESSAGE, "D-busy") == pytest.approx(1.0)
    assert limiter.acquire("chat.update", "C-held") == pytest.approx(29.0)
