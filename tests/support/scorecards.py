"""Filling in scorecards the way an interviewer does, for tests that need one submitted."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Interview
from handlers.ids import Action, Block, evidence_block, rating_block
from tests.support.loops import add_interview
from tests.support.slack import form_values, text

LONDON = ZoneInfo("Europe/London")


def radio(value: str | None) -> dict:
    return {"type": "radio_buttons", "selected_option": {"value": value} if value else None}


def checks(*values: str) -> dict:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


def interview_yesterday(bot, candidate, stage: str, who: str) -> Interview:
    day = (bot.clock() - timedelta(days=1)).astimezone(LONDON).strftime("%Y-%m-%d")
    add_interview(bot, candidate, stage, who, day, "10:00")
    with bot.services.db.transaction() as session:
        return session.scalars(
            select(Interview).where(
                Interview.candidate_id == candidate.id,
                Interview.interviewer_id == bot.users[who],
                Interview.stage_key == stage,
            )
        ).one()


def open_scorecard(bot, interview: Interview, who: str) -> dict:
    bot.slack.click(bot.users[who], Action.OPEN_SCORECARD, str(interview.id), channel="D0DM")
    return bot.slack.opened_view()


def coding_values(**overrides) -> dict:
    """A complete, valid Coding round scorecard."""
    fields = {
        rating_block("software_engineering"): radio("3"),
        evidence_block("software_engineering"): text("Clean, tested solution; explained complexity."),
        rating_block("data_pipelines"): radio("4"),
        evidence_block("data_pipelines"): text("Spotted the leakage in the join unprompted."),
        Block.RED_FLAGS: checks(),
        Block.RECOMMENDATION: radio("yes"),
        Block.NOTES: text("Private aside: strong on testing."),
    }
    fields.update(overrides)
    return form_values(**fields)
