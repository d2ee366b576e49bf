"""`when`: a moment as Slack's date token, with a fallback in the workspace's zone. It is
remembered between calls (a status lists the same times again and again), so the text must
depend on the instant and the zone only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from handlers.builders.common import when

MOMENT = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)


def test_a_moment_is_slacks_date_token_with_a_fallback_in_the_zone() -> None:
    assert (
        when(MOMENT, "Europe/London")
        == f"<!date^{int(MOMENT.timestamp())}^{{date_short_pretty}} {{time}}|Mon 04 Mar 09:30 GMT>"
    )
    assert when(MOMENT, "Asia/Kolkata").endswith("|Mon 04 Mar 15:00 IST>")


def test_the_same_instant_written_in_another_offset_reads_the_same() -> None:
    elsewhere = MOMENT.astimezone(timezone(timedelta(hours=-5)))
    assert when(elsewhere, "Europe/Berlin") == when(MOMENT, "Europe/Berlin")


def test_remembered_text_is_per_zone_and_per_instant() -> None:
    first = when(MOMENT, "Europe/London")
    assert when(MOMENT, "America/New_York") != first
    assert when(MOMENT + timedelta(minutes=1), "Europe/London") != first
    assert when(MOMENT, "Europe/London") == first
    assert when.cache_info().hits >= 1
