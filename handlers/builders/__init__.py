"""Block Kit builders: pure functions from domain objects to blocks and views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.charts import dashboard as dashboard_charts
from bot.charts import pre_read_heat_map
from bot.services.agreement import Agreement
from bot.services.ports import (
    Escalation,
    LoopCard,
    Message,
    Override,
    PersonalStatus,
    Picture,
    PrepKit,
    PreReadChange,
    ScorecardReminder,
    SlackImage,
)
from bot.services.summary import Summary
from bot.services.vote_rules import Reveal, VoteAsk
from db.vocabulary import Decision
from handlers.builders import debrief, loops, reminders, votes


class BlockKitRenderer:
    """The services' Renderer: how hirebot's domain objects look in Slack."""

    def loop_card(self, card: LoopCard) -> Message:
        return loops.loop_card(card)

    def home(self, status: PersonalStatus) -> dict[str, Any]:
        return loops.home_view(status)

    def prep_kit(self, kit: PrepKit) -> Message:
        return reminders.prep_kit(kit)

    def scorecard_reminder(self, reminder: ScorecardReminder) -> Message:
        return reminders.scorecard_reminder(reminder)

    def escalation(self, escalation: Escalation) -> Message:
        return reminders.escalation(escalation)

    def debrief(
        self, summary: Summary, candidate_id: int, changes: list[PreReadChange], image: SlackImage | None = None
    ) -> Message:
        return debrief.debrief(summary, candidate_id, changes, image)

    def pre_read_picture(self, summary: Summary, names: dict[str, str]) -> Picture:
        return pre_read_heat_map(summary, names)

    def loop_age_chart(self, ages: Sequence[tuple[str, int]], target_weeks: tuple[int, int]) -> Picture:
        return dashboard_charts.loop_ages([dashboard_charts.LoopAge(n, d) for n, d in ages], target_weeks)

    def agreement_chart(self, rows: Sequence[Agreement]) -> Picture:
        return dashboard_charts.agreement(rows)

    def decision(
        self,
        name: str,
        decision: Decision,
        rationale: str,
        actor: str,
        archive_for: int | None,
        override: Override | None = None,
    ) -> Message:
        return debrief.decision(name, decision, rationale, actor, archive_for, override)

    def vote_ask(self, ask: VoteAsk) -> Message:
        return votes.vote_ask(ask)

    def reveal(self, reveal: Reveal) -> Message:
        return votes.reveal(reveal)
