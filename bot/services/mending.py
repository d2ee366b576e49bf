"""What the scheduler mends: loop cards and posted pre-reads whose refresh was lost.

A change refreshes its loop's card and posted pre-read right after it commits, in the web
worker. Those refreshes are cosmetic, so nothing queued them durably: a worker stopped with
them waiting (a deploy past its grace) or an edit Slack failed left the card and the pre-read
showing an older state until the loop's next change, which might be the debrief itself.

Now every change the card shows inserts a `card_changes` row in the change's own transaction
(`mark_cards`, on `Database.before_commit`), and a refresh deletes the rows it drew. Once a
minute the scheduler's worker looks for cards and pre-reads behind, and mends those that were
already behind, in the same state, at its previous look: a refresh that is merely queued is
left to the web worker, which gets there within seconds (make bench-soak).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.orm import Session

from bot.errors import HirebotError, SlackError
from bot.events import shows_on_card
from bot.services import queries
from bot.services.debrief import DebriefService
from bot.services.loops import LoopService
from db.models import Candidate, CardChange, Debrief, LoopStatus
from db.session import Database

log = logging.getLogger(__name__)

MEND_SECONDS = 60
# Edits per pass: chat.update is Tier 3 (about 50 a minute), shared with the web workers' own.
MEND_BATCH = 20

CARD, PRE_READ = "card", "pre-read"
Key = tuple[str, int]  # (what, candidate id)

_CHANGES = cast(Table, CardChange.__table__)


def mark_cards(card_events: frozenset[type]) -> Callable[[Session | Connection, Sequence[object]], None]:
    """The hook that records, inside a transaction, the cards its recorded events change.

    An insert, not an update of the loop's row: a scorecard submission holds its interview's
    row and reminders while it commits, and the decision holds the loop's row while it cancels
    those reminders; taking the loop's row here as well would let the two deadlock."""

    def mark(executor: Session | Connection, recorded: Sequence[object]) -> None:
        ids = cards_changed(card_events, recorded)
        if ids:
            # One INSERT … VALUES statement (an execute, not an executemany: one loop is the rule).
            executor.execute(insert(_CHANGES).values([{"candidate_id": candidate_id} for candidate_id in ids]))

    return mark


def cards_changed(card_events: frozenset[type], recorded: Sequence[object]) -> list[int]:
    """The loops whose cards the recorded events change."""
    return sorted(
        {
            event.candidate_id  # type: ignore[attr-defined]
            for event in recorded
            if type(event) in card_events and shows_on_card(event)
        }
    )


@dataclass
class MendStats:
    behind: int = 0  # cards and pre-reads behind at this look
    mended: int = 0
    failed: int = 0  # refused for the moment: looked at again at the next pass
    given_up: int = 0  # refused for good (an archived channel, say): left until the loop changes again


class Mender:
    def __init__(self, db: Database, loops: LoopService, debrief: DebriefService, batch: int = MEND_BATCH):
        self.db, self.loops, self.debrief, self.batch = db, loops, debrief, batch
        # What was behind at the previous look, and in which state: only what stayed so is mended.
        self.seen: dict[Key, object] = {}
        # What Slack refused for good, in the state it was refused in.
        self.given_up: dict[Key, object] = {}

    def mend(self) -> MendStats:
        behind = {**self._cards(), **self._prereads()}
        self.given_up = {key: state for key, state in self.given_up.items() if behind.get(key) == state}
        stats = MendStats(behind=len(behind))
        lost = [
            key
            for key, state in sorted(behind.items())
            if self.seen.get(key) == state and self.given_up.get(key) != state
        ][: self.batch]
        self.seen = behind
        for key in lost:
            self._mend(key, behind[key], stats)
        if lost:
            log.info("mended what had lost its refresh: %s", stats)
        return stats

    def _mend(self, key: Key, state: object, stats: MendStats) -> None:
        what, candidate_id = key
        try:
            if what == CARD:
                self.loops.refresh_card(candidate_id)
            else:
                self.debrief.refresh_if_posted(candidate_id)
        except SlackError as exc:
            log.warning("could not mend the %s of loop %s: %s", what, candidate_id, exc.code)
            if exc.retryable:
                stats.failed += 1
            else:
                stats.given_up += 1
                self.given_up[key] = state
            return
        except HirebotError as exc:  # the loop closed or went meanwhile
            log.info("nothing to mend for the %s of loop %s: %s", what, candidate_id, type(exc).__name__)
            self.given_up[key] = state
            return
        except Exception:  # one loop's bug does not stop the others'
            log.exception("mending the %s of loop %s failed", what, candidate_id)
            stats.failed += 1
            return
        stats.mended += 1
        # Drawn now: a change that comes next is new, even where SQLite reuses the row's id.
        self.seen.pop(key, None)

    def _cards(self) -> dict[Key, object]:
        """Posted cards with a change they have not drawn: candidate id -> the newest such change."""
        with self.db.read() as reader:
            query: Any = (
                select(CardChange.candidate_id, func.max(CardChange.id).label("last"))
                .join(Candidate, Candidate.id == CardChange.candidate_id)
                .where(Candidate.card_ts.is_not(None), Candidate.status != LoopStatus.PURGED)
                .group_by(CardChange.candidate_id)
            )
            return {(CARD, row.candidate_id): row.last for row in reader.execute(query)}

    def _prereads(self) -> dict[Key, object]:
        """Posted pre-reads of open loops missing a scorecard or an amendment, each with the
        scorecards it should show (a new one landing makes it a different state)."""
        with self.db.transaction() as session:
            posted = dict(
                session.execute(
                    select(Debrief.candidate_id, Debrief.summarised)
                    .join(Candidate, Candidate.id == Debrief.candidate_id)
                    .where(Debrief.summary_ts.is_not(None), Candidate.status == LoopStatus.OPEN)
                ).all()
            )
            now = queries.scorecards_now(session, list(posted))
        return {
            (PRE_READ, candidate_id): tuple(sorted(now.get(candidate_id, {}).items()))
            for candidate_id, shown in posted.items()
            if now.get(candidate_id, {}) != shown
        }
