"""Every action_id, callback_id and block_id, shared by the builders and the registrations.

A typo in a string id fails silently in Slack (the click just does nothing), so they are
defined once here and imported on both sides.
"""

from __future__ import annotations

import enum

from bot.fields import Field, evidence_field, flag_evidence_field, rating_field
from bot.mrkdwn import COMMAND

__all__ = [
    "COMMAND",
    "Action",
    "Block",
    "Callback",
    "element_id",
    "evidence_block",
    "flag_evidence_block",
    "rating_block",
]


class Callback(enum.StrEnum):
    NEW_LOOP = "hirebot.new_loop"
    ADD_INTERVIEW = "hirebot.add_interview"
    EDIT_INTERVIEW = "hirebot.edit_interview"
    SET_DEBRIEF = "hirebot.set_debrief"
    SCORECARD = "hirebot.scorecard"
    PANEL_FEEDBACK = "hirebot.panel_feedback"
    DECIDE = "hirebot.decide"
    SEALED_VOTE = "hirebot.sealed_vote"
    MY_HOURS = "hirebot.my_hours"
    POOL = "hirebot.pool"
    ADD_TRAINEE = "hirebot.add_trainee"
    PRACTICE_SCORECARD = "hirebot.practice_scorecard"


class Action(enum.StrEnum):
    ADD_INTERVIEW = "hirebot.add_interview"
    SET_DEBRIEF = "hirebot.set_debrief"
    STATUS = "hirebot.status"
    RETRY_SETUP = "hirebot.retry_setup"
    OPEN_SCORECARD = "hirebot.open_scorecard"
    VIEW_PANEL = "hirebot.view_panel"
    PANEL_PAGE = "hirebot.panel_page"
    INTERVIEW_MENU = "hirebot.interview_menu"
    ARCHIVE = "hirebot.archive"
    SNOOZE_2H = "hirebot.snooze_2h"
    SNOOZE_TOMORROW = "hirebot.snooze_tomorrow"
    CAST_VOTE = "hirebot.cast_vote"
    MY_HOURS = "hirebot.my_hours"
    POOL_MEMBER = "hirebot.pool_member"
    OPEN_PRACTICE = "hirebot.open_practice"
    MARK_TRAINED = "hirebot.mark_trained"


# A modal's block ids are the field names the services key their InvalidInput by.
Block = Field


# Each input block holds one element; its action_id is the block id with this suffix.
def element_id(block_id: str) -> str:
    return f"{block_id}.value"


rating_block = rating_field
evidence_block = evidence_field
flag_evidence_block = flag_evidence_field
