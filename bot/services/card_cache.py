"""The loop cards' rows this process has read, kept until PostgreSQL says they changed.

`/hire status` shows a loop's card. Its rows (the loop, its debrief, each interview and whether
its scorecard is in) change a few times a day; the status is asked for far more often. So the
rows read once are kept, and a loop's are dropped when db/card_watch.py hears that it changed.
The card itself is still built from them at each request, with the time of that request
(what is overdue, how long the loop has been open).

Two rules keep it from ever showing a change as not made:
- while nobody listens for changes (starting, reconnecting, a database without the triggers,
  SQLite) nothing is kept and nothing is served from here;
- rows read before a change was heard are not kept if that change came in while they were
  being read (`ticket()` before the read, `keep()` after): they may predate it.
A change committed elsewhere reaches this process within milliseconds; one made by this
process is dropped here at its own commit (`changed()` from Database.publish, bootstrap.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from bot.services.ports import LoopCard
from bot.services.readmodels import Rows

# Loops whose rows are kept, the least recently asked for going first. A card's rows are a few
# hundred bytes per interview: a few megabytes at most.
KEEP_LOOPS = 2_000
# Changes remembered by loop, to judge rows read while they came in; past that, one mark for all.
REMEMBER_CHANGES = 10_000


class CardCache:
    def __init__(self, keep: int = KEEP_LOOPS):
        self._keep = keep
        self._lock = threading.Lock()
        self._rows: OrderedDict[int, Rows] = OrderedDict()
        self._by_channel: dict[str, int] = {}
        self._live = False
        self._heard = 0  # changes heard so far
        self._changed_at: dict[int, int] = {}  # loop id -> the count when its last change was heard
        self._all_changed_at = 0  # the count when everything was last dropped
        # loop id -> the card built from its kept rows, and the span of time it holds for
        self._cards: dict[int, tuple[Rows, LoopCard, datetime, datetime]] = {}

    def get(self, candidate_id: int | None = None, channel_id: str | None = None) -> Rows | None:
        with self._lock:
            if not self._live:
                return None
            key = candidate_id if channel_id is None else self._by_channel.get(channel_id)
            rows = self._rows.get(key) if key is not None else None
            if rows is not None:
                self._rows.move_to_end(key)  # type: ignore[arg-type]
            return rows

    def card(self, rows: Rows, now: datetime) -> LoopCard | None:
        """The card last built from these very rows (as `get` returned them), if `now` is in the
        span it holds for; None otherwise. The rows are the card's data; only the clock changes
        the card between two reads of them (readmodels.clock_changes_card_at)."""
        with self._lock:
            kept = self._cards.get(rows[0].id) if rows else None
        if kept is None or kept[0] is not rows or not kept[2] <= now < kept[3]:
            return None
        return kept[1]

    def keep_card(self, rows: Rows, card: LoopCard, built_at: datetime, until: datetime) -> None:
        """Keep the card built at `built_at` from kept rows; it holds until `until`."""
        with self._lock:
            if rows and self._rows.get(rows[0].id) is rows:
                self._cards[rows[0].id] = (rows, card, built_at, until)

    def ticket(self) -> int | None:
        """Taken before reading rows to keep; None while nothing may be kept."""
        with self._lock:
            return self._heard if self._live else None

    def keep(self, ticket: int | None, rows: Rows) -> None:
        """Keep rows read since `ticket`, unless their loop changed (or everything did) since."""
        if ticket is None or not rows:
            return
        loop_id, channel_id = rows[0].id, rows[0].channel_id
        with self._lock:
            if not self._live or max(self._all_changed_at, self._changed_at.get(loop_id, 0)) > ticket:
                return
            self._rows[loop_id] = rows
            self._rows.move_to_end(loop_id)
            if channel_id:
                self._by_channel[channel_id] = loop_id
            while len(self._rows) > self._keep:
                self._forget(next(iter(self._rows)))

    def changed(self, loop_id: int | None) -> None:
        """A loop's card data changed (None: anything may have)."""
        with self._lock:
            self._heard += 1
            if loop_id is None or len(self._changed_at) >= REMEMBER_CHANGES:
                self._drop_all()
                return
            self._changed_at[loop_id] = self._heard
            self._forget(loop_id)

    def listening(self, live: bool) -> None:
        """Whether every change from now on will be heard. Either way, what is kept is dropped:
        changes may have gone unheard before."""
        with self._lock:
            self._live = live
            self._drop_all()

    def __len__(self) -> int:
        return len(self._rows)

    def _drop_all(self) -> None:
        self._heard += 1
        self._changed_at.clear()
        self._all_changed_at = self._heard
        self._rows.clear()
        self._by_channel.clear()
        self._cards.clear()

    def _forget(self, loop_id: int) -> None:
        self._cards.pop(loop_id, None)
        rows = self._rows.pop(loop_id, None)
        if rows:
            channel_id = rows[0].channel_id
            if channel_id and self._by_channel.get(channel_id) == loop_id:
                del self._by_channel[channel_id]
