"""The kept loop-card rows (bot/services/card_cache.py): never served while changes could go
unheard, never kept when a change came in during their read, dropped at each change. The card
built from kept rows is kept with them, until the clock alone would change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

from bot.services.card_cache import CardCache
from bot.services.ports import LoopCard
from bot.services.readmodels import clock_changes_card_at
from db.models import InterviewStatus


def rows(loop_id: int, channel: str | None = None, *, n: int = 2) -> tuple[SimpleNamespace, ...]:
    return tuple(SimpleNamespace(id=loop_id, channel_id=channel or f"C{loop_id}", k=k) for k in range(n))


def listening() -> CardCache:
    cache = CardCache()
    cache.listening(True)
    return cache


def test_nothing_is_kept_or_served_until_changes_are_heard() -> None:
    cache = CardCache()
    cache.keep(cache.ticket(), rows(1))
    assert cache.ticket() is None
    assert cache.get(1) is None and len(cache) == 0
    cache.listening(True)
    cache.keep(cache.ticket(), rows(1))
    assert cache.get(1) == rows(1)
    assert cache.get(channel_id="C1") == rows(1)


def test_a_change_drops_that_loop_only() -> None:
    cache = listening()
    cache.keep(cache.ticket(), rows(1))
    cache.keep(cache.ticket(), rows(2))
    cache.changed(1)
    assert cache.get(1) is None and cache.get(channel_id="C1") is None
    assert cache.get(2) == rows(2)


def test_rows_read_while_their_loop_changed_are_not_kept() -> None:
    """Read before the change committed, they may not show it; the notice came in meanwhile."""
    cache = listening()
    ticket = cache.ticket()
    cache.changed(1)  # heard while the read was under way
    cache.keep(ticket, rows(1))
    assert cache.get(1) is None
    # Another loop's change says nothing about these rows.
    ticket = cache.ticket()
    cache.changed(2)
    cache.keep(ticket, rows(1))
    assert cache.get(1) == rows(1)


def test_losing_the_notices_drops_everything_and_serves_nothing() -> None:
    cache = listening()
    cache.keep(cache.ticket(), rows(1))
    ticket = cache.ticket()
    cache.listening(False)
    assert cache.get(1) is None
    cache.keep(ticket, rows(1))
    cache.keep(cache.ticket(), rows(1))
    assert len(cache) == 0
    # Back: a read started before the notices were back is not kept either.
    cache.listening(True)
    cache.keep(ticket, rows(1))
    assert cache.get(1) is None


def test_anything_changed_drops_all_and_rows_read_across_it() -> None:
    cache = listening()
    cache.keep(cache.ticket(), rows(1))
    ticket = cache.ticket()
    cache.changed(None)  # a TRUNCATE, or the listener starting afresh
    cache.keep(ticket, rows(2))
    assert cache.get(1) is None and cache.get(2) is None


def test_it_holds_a_bounded_number_of_loops_the_least_recently_asked_going_first() -> None:
    cache = CardCache(keep=3)
    cache.listening(True)
    for loop_id in (1, 2, 3):
        cache.keep(cache.ticket(), rows(loop_id))
    assert cache.get(1) is not None  # 1 is now the most recently asked for
    cache.keep(cache.ticket(), rows(4))
    assert len(cache) == 3
    assert cache.get(2) is None and cache.get(channel_id="C2") is None
    assert all(cache.get(k) is not None for k in (1, 3, 4))


def test_a_channel_moved_to_another_loop_is_not_served_as_the_old_one() -> None:
    cache = listening()
    cache.keep(cache.ticket(), rows(1, "CSHARED"))
    cache.changed(1)
    cache.keep(cache.ticket(), rows(2, "CSHARED"))
    assert cache.get(channel_id="CSHARED") == rows(2, "CSHARED")
    cache.changed(1)  # a late notice about the old loop leaves the new one's mapping alone
    assert cache.get(channel_id="CSHARED") == rows(2, "CSHARED")


def test_no_rows_are_not_kept() -> None:
    cache = listening()
    cache.keep(cache.ticket(), ())
    assert len(cache) == 0


def test_a_card_is_served_for_its_own_kept_rows_within_its_span_only() -> None:
    cache = listening()
    kept = rows(1)
    cache.keep(cache.ticket(), kept)
    card = cast(LoopCard, object())  # the cache only hands it back
    noon = datetime(2030, 3, 4, 12, tzinfo=UTC)
    cache.keep_card(kept, card, noon, noon + timedelta(hours=1))
    assert cache.card(kept, noon) is card
    assert cache.card(kept, noon + timedelta(minutes=59)) is card
    assert cache.card(kept, noon + timedelta(hours=1)) is None  # the clock changed it
    assert cache.card(kept, noon - timedelta(seconds=1)) is None  # built later than asked for
    assert cache.card(rows(1), noon) is None  # equal rows, but not the ones it was built from
    cache.changed(1)
    assert cache.card(kept, noon) is None


def test_a_card_from_rows_not_kept_is_not_kept() -> None:
    cache = listening()
    fresh = rows(1)  # read while the loop changed, or with nobody listening
    noon = datetime(2030, 3, 4, 12, tzinfo=UTC)
    cache.keep_card(fresh, cast(LoopCard, object()), noon, noon + timedelta(hours=1))
    assert cache.card(fresh, noon) is None


def _card_rows(created: datetime, *interviews: tuple[datetime, bool, InterviewStatus]) -> tuple[SimpleNamespace, ...]:
    """A loop's card rows as card_rows reads them: (start, scorecard in, status) per interview."""
    loop = {"id": 1, "channel_id": "C1", "created_at": created}
    if not interviews:
        return (SimpleNamespace(**loop, interview_id=None, scorecard_id=None, interview_status=None),)
    return tuple(
        SimpleNamespace(
            **loop,
            interview_id=n,
            starts_at=start,
            duration_minutes=60,
            scorecard_id=7 if submitted else None,
            interview_status=status,
        )
        for n, (start, submitted, status) in enumerate(interviews, 1)
    )


def test_the_clock_changes_a_card_at_the_next_overdue_scorecard_or_the_next_day_open() -> None:
    created = datetime(2030, 3, 1, 9, tzinfo=UTC)
    now = datetime(2030, 3, 4, 10, tzinfo=UTC)  # day 3 of the loop
    assert clock_changes_card_at(_card_rows(created), now) == datetime(2030, 3, 5, 9, tzinfo=UTC)
    scheduled, cancelled = InterviewStatus.SCHEDULED, InterviewStatus.CANCELLED
    later_today = datetime(2030, 3, 3, 14, tzinfo=UTC)  # ends 15:00, overdue at 15:00 tomorrow
    loop = _card_rows(
        created,
        (datetime(2030, 3, 2, 9, tzinfo=UTC), False, scheduled),  # already overdue
        (later_today, False, scheduled),
        (datetime(2030, 3, 3, 8, tzinfo=UTC), True, scheduled),  # in: never overdue
        (datetime(2030, 3, 3, 8, tzinfo=UTC), False, cancelled),  # cancelled: never overdue
    )
    assert clock_changes_card_at(loop, now) == datetime(2030, 3, 4, 15, tzinfo=UTC)
    assert clock_changes_card_at(loop, datetime(2030, 3, 4, 15, tzinfo=UTC)) == datetime(2030, 3, 5, 9, tzinfo=UTC)
