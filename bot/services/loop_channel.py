"""A loop's private channel: creating it, setting it up, and the pinned loop card in it.

Set-up steps after the channel exists are recorded as problems on the card when they fail,
and a retry re-runs just those. The card is posted once and edited in place after that.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Settings
from bot.errors import ChannelNameTaken, SlackError
from bot.services import panel_stats, queries
from bot.services.card_cache import CardCache
from bot.services.naming import channel_name
from bot.services.ports import Gateway, LoopCard, Renderer
from bot.services.readmodels import card_from_rows, card_rows, clock_changes_card_at, read_card
from bot.services.suggestions import pick_warnings
from db.card_watch import CardWatch
from db.models import Candidate, CardChange, LoopStatus
from db.session import Database
from rubrics.loader import RubricRegistry

log = logging.getLogger(__name__)

TOPIC_MAX = 250
NAME_TAKEN_RETRIES = 5
SETUP_STEPS = ("invite", "topic", "purpose", "bookmark", "pin")


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class LoopChannel:
    def __init__(
        self, db: Database, slack: Gateway, rubrics: RubricRegistry, render: Renderer, settings: Settings, clock: Clock
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.render = render
        self.settings = settings
        self.clock = clock
        self.reliability = panel_stats.ReliabilityCache(clock)
        # Serves nothing until `watch` says it is listening (set by bootstrap.py on PostgreSQL,
        # started by the first card read: processes that show no card hold no extra connection).
        self.cards = CardCache()
        self.watch: CardWatch | None = None

    def ensure_channel(self, candidate_id: int) -> str:
        """Create the loop's private channel, once, and return its id.

        Each name is written to the row before conversations.create is called, so that a run
        after a lost response (a timeout, a 5xx, a crash) knows which name it may already own.
        The bot's scopes cannot look a private channel up by name, so when that name then
        answers name_taken the loop moves on to the next suffix and says the name may be an
        empty channel left by the lost call (only hirebot is in it), on the card, rather than guess.
        """
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            if candidate.channel_id:
                return candidate.channel_id
            person, role, uncertain = candidate.name, candidate.pack, candidate.channel_name
        for attempt in range(NAME_TAKEN_RETRIES + 1):
            suffix = attempt if attempt < NAME_TAKEN_RETRIES else int(self.clock().timestamp()) % 100000
            name = channel_name(person, role, suffix)
            self._record_channel(candidate_id, name, None)
            try:
                channel = self.slack.create_private_channel(name)
            except ChannelNameTaken:
                if name == uncertain:
                    self.set_problem(candidate_id, "lost-create", name)
                log.info("channel name taken, trying the next suffix (attempt %d)", attempt + 1)
                continue
            except SlackError as exc:
                if not exc.retryable:
                    self._record_channel(candidate_id, None, None)  # a clear refusal: nothing was created
                raise
            self._record_channel(candidate_id, name, channel)
            return channel
        raise ChannelNameTaken("conversations.create", "name_taken")

    def _record_channel(self, candidate_id: int, name: str | None, channel: str | None) -> None:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            candidate.channel_name = name
            candidate.channel_id = channel
            if channel and candidate.status is LoopStatus.OPENING:
                candidate.status = LoopStatus.OPEN

    def run_setup(self, candidate_id: int, steps: tuple[str, ...]) -> None:
        """Run set-up steps once the channel exists. A failure is kept on the card, not raised."""
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            pack = self.rubrics.get(candidate.pack)
            channel = candidate.channel_id
            assert channel is not None, "set-up runs once ensure_channel has made the channel"
            members = [m.user_id for m in candidate.team]
            profile = pack.profile(candidate.profile).name
            resume = candidate.resume_url
        topic = fit(f"{pack.role} · {profile} · hiring loop run by hirebot", TOPIC_MAX)
        purpose = fit(
            f"Private hiring channel for one candidate. Scorecards stay blind until each interviewer "
            f"submits; the debrief is planned here. Target: {pack.loop_target.min_weeks}-"
            f"{pack.loop_target.max_weeks} weeks.",
            TOPIC_MAX,
        )
        actions = {
            "invite": lambda: self.slack.invite(channel, members),
            "topic": lambda: self.slack.set_topic(channel, topic),
            "purpose": lambda: self.slack.set_purpose(channel, purpose),
            "bookmark": lambda: self.slack.add_bookmark(channel, "Résumé / ATS profile", resume) if resume else None,
        }
        for step in steps:
            if step not in actions:
                # Not a set-up step (a failed reminder, say): the retry acknowledges it.
                self.set_problem(candidate_id, step, None)
                continue
            try:
                actions[step]()
                self.set_problem(candidate_id, step, None)
            except SlackError as exc:
                log.warning("loop %s set-up step %s failed: %s", candidate_id, step, exc.code)
                self.set_problem(candidate_id, step, exc.code)
        self.refresh_card(candidate_id, pin="pin" in steps)

    # The loop card

    def refresh_card(self, candidate_id: int, pin: bool = False) -> None:
        """Post the card once and pin it, then edit it in place: one source of truth per channel.

        One transaction reads, one records the post's outcome (its ts at once, so that a crash
        after the post never posts a second card), one the pin's: none is open during a Slack call."""
        with self.db.transaction() as session:
            # Before the card, and by id: a change committed in between is drawn or left to
            # mend, and one that commits late with a lower id (two changes' commits can cross)
            # is never taken for drawn.
            drawn = list(session.scalars(select(CardChange.id).where(CardChange.candidate_id == candidate_id)))
            card = self._posted(session, candidate_id)
            ts = queries.candidate(session, candidate_id).card_ts
        if card.channel_id is None:
            return
        message = self.render.loop_card(card)
        try:
            if ts is None:
                ts = self.slack.post_message(card.channel_id, message.text, message.blocks)
                pin = True
            else:
                self.slack.update_message(card.channel_id, ts, message.text, message.blocks)
        except SlackError as exc:
            # With no card to show it on, the person who acted is told (the background runner DMs them).
            self.set_problem(candidate_id, "card", exc.code)
            raise
        self._record_card(candidate_id, ts, {"card": None}, drawn=drawn)
        if pin:
            self._pin(candidate_id, card.channel_id, ts)

    def _pin(self, candidate_id: int, channel: str, ts: str) -> None:
        try:
            self.slack.pin(channel, ts)
            self.set_problem(candidate_id, "pin", None)
        except SlackError as exc:
            log.warning("loop %s card not pinned: %s", candidate_id, exc.code)
            self.set_problem(candidate_id, "pin", exc.code)
            message = self.render.loop_card(self.posted_card(candidate_id))
            self.slack.update_message(channel, ts, message.text, message.blocks)

    def _record_card(self, candidate_id: int, ts: str, codes: dict[str, str | None], drawn: Sequence[int] = ()) -> None:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            candidate.card_ts = ts
            if drawn:
                session.execute(delete(CardChange).where(CardChange.id.in_(drawn)))
            _apply_problems(candidate, codes)

    def invite(self, candidate_id: int, channel: str, user: str) -> None:
        """An interviewer joins the channel when scheduled; a refusal shows on the card."""
        try:
            self.slack.invite(channel, [user])
        except SlackError as exc:
            self.set_problem(candidate_id, "invite", exc.code)

    def set_problem(self, candidate_id: int, step: str, code: str | None) -> None:
        """Record (or, with code None, clear) the failure of one set-up step."""
        self.set_problems(candidate_id, {step: code})

    def set_problems(self, candidate_id: int, codes: dict[str, str | None]) -> None:
        """Several steps' outcomes in one transaction."""
        with self.db.transaction() as session:
            _apply_problems(queries.candidate(session, candidate_id), codes)

    def posted_card(self, candidate_id: int) -> LoopCard:
        """The card as posted in the channel: with the plan's must-have coverage, which the
        modals and /hire status do not need (it reads every past rating of the pack)."""
        with self.db.transaction() as session:
            return self._posted(session, candidate_id)

    def _posted(self, session: Session, candidate_id: int) -> LoopCard:
        card = read_card(session.connection(), self.rubrics, self.clock(), self.settings.timezone, candidate_id)
        pack = queries.candidate(session, candidate_id).pack
        warnings = pick_warnings(session, card, pack, self.settings.timezone, self.settings.weekly_cap)
        coverage = panel_stats.card_coverage(session, self.rubrics, card, self.reliability)
        return replace(card, coverage=coverage, warnings=warnings)

    def card(self, candidate_id: int | None = None, *, channel_id: str | None = None) -> LoopCard:
        """The loop card's contents, by loop id or by its channel: one statement (card_rows), or
        none while the loop's rows are kept unchanged (card_cache.py)."""
        if self.watch is not None:
            self.watch.start()
        rows = self.cards.get(candidate_id, channel_id)
        if rows is None:
            ticket = self.cards.ticket()
            with self.db.read() as reader:
                rows = card_rows(reader, candidate_id, channel_id)
            self.cards.keep(ticket, rows)
        now = self.clock()
        card = self.cards.card(rows, now)
        if card is None:
            # Building it from the rows was a quarter of a kept status's CPU.
            card = card_from_rows(rows, self.rubrics, now, self.settings.timezone)
            self.cards.keep_card(rows, card, now, clock_changes_card_at(rows, now))
        return card


def _apply_problems(candidate: Candidate, codes: dict[str, str | None]) -> None:
    """Record (or, with code None, clear) the failure of each named step."""
    kept = [p for p in candidate.problems if p.split(":", 1)[0] not in codes]
    updated = kept + [f"{step}: {code}" for step, code in codes.items() if code]
    if updated != candidate.problems:
        candidate.problems = updated
