"""A loop's private channel: creating it, setting it up, and the pinned loop card in it.

Set-up steps after the channel exists are recorded as problems on the card when they fail,
and a retry re-runs just those. The card is posted once and edited in place after that.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.clock import Clock
from bot.config import Settings
from bot.errors import ChannelNameTaken, SlackError
from bot.services import panel_stats, queries
from bot.services.naming import channel_name
from bot.services.ports import Gateway, LoopCard, Renderer
from bot.services.readmodels import read_card
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

    def create(self, candidate_name: str, role: str) -> tuple[str, str]:
        for attempt in range(NAME_TAKEN_RETRIES):
            name = channel_name(candidate_name, role, attempt)
            try:
                return self.slack.create_private_channel(name), name
            except ChannelNameTaken:
                log.info("channel name taken, trying the next suffix (attempt %d)", attempt + 1)
        name = channel_name(candidate_name, role, int(self.clock().timestamp()) % 100000)
        return self.slack.create_private_channel(name), name

    def run_setup(self, candidate_id: int, steps: tuple[str, ...]) -> None:
        """Run set-up steps once the channel exists. A failure is kept on the card, not raised."""
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            pack = self.rubrics.get(candidate.pack)
            channel = candidate.channel_id
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
        """Post the card once and pin it, then edit it in place: one source of truth per channel."""
        card = self.posted_card(candidate_id)
        if card.channel_id is None:
            return
        message = self.render.loop_card(card)
        with self.db.transaction() as session:
            ts = queries.candidate(session, candidate_id).card_ts
        try:
            if ts is None:
                ts = self.slack.post_message(card.channel_id, message.text, message.blocks)
                with self.db.transaction() as session:
                    queries.candidate(session, candidate_id).card_ts = ts
                pin = True
            else:
                self.slack.update_message(card.channel_id, ts, message.text, message.blocks)
            self.set_problem(candidate_id, "card", None)
        except SlackError as exc:
            # With no card to show it on, the person who acted is told (the background runner DMs them).
            self.set_problem(candidate_id, "card", exc.code)
            raise
        if not pin:
            return
        try:
            self.slack.pin(card.channel_id, ts)
            self.set_problem(candidate_id, "pin", None)
        except SlackError as exc:
            log.warning("loop %s card not pinned: %s", candidate_id, exc.code)
            self.set_problem(candidate_id, "pin", exc.code)
            message = self.render.loop_card(self.posted_card(candidate_id))
            self.slack.update_message(card.channel_id, ts, message.text, message.blocks)

    def invite(self, candidate_id: int, channel: str, user: str) -> None:
        """An interviewer joins the channel when scheduled; a refusal shows on the card."""
        try:
            self.slack.invite(channel, [user])
        except SlackError as exc:
            self.set_problem(candidate_id, "invite", exc.code)

    def set_problem(self, candidate_id: int, step: str, code: str | None) -> None:
        """Record (or, with code None, clear) the failure of one set-up step."""
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            kept = [p for p in candidate.problems if p.split(":", 1)[0] != step]
            updated = kept + ([f"{step}: {code}"] if code else [])
            if updated != candidate.problems:
                candidate.problems = updated

    def posted_card(self, candidate_id: int) -> LoopCard:
        """The card as posted in the channel: with the plan's must-have coverage, which the
        modals and /hire status do not need (it reads every past rating of the pack)."""
        with self.db.transaction() as session:
            card = read_card(session, self.rubrics, self.clock(), self.settings.timezone, candidate_id)
            return replace(card, coverage=panel_stats.card_coverage(session, self.rubrics, card, self.reliability))

    def card(self, candidate_id: int | None = None, *, channel_id: str | None = None) -> LoopCard:
        """The loop card's contents, by loop id or by its channel."""
        with self.db.transaction() as session:
            return read_card(session, self.rubrics, self.clock(), self.settings.timezone, candidate_id, channel_id)
