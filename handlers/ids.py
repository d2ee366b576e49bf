"""Every action_id, callback_id and block_id, shared by the builders and the registrations.

A typo in a string id fails silently in Slack (the click just does nothing), so they are
defined once here and imported on both sides.
"""

from __future__ import annotations

import enum

COMMAND = "/hire"


class Callback(enum.StrEnum):
    NEW_LOOP = "hirebot.new_loop"
    ADD_INTERVIEW = "hirebot.add_interview"
    EDIT_INTERVIEW = "hirebot.edit_interview"
    SET_DEBRIEF = "hirebot.set_debrief"
    SCORECARD = "hirebot.scorecard"
    PANEL_FEEDBACK = "hirebot.panel_feedback"
    DECIDE = "hirebot.decide"
    MY_HOURS = "hirebot.my_hours"


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
    MY_HOURS = "hirebot.my_hours"


class Block(enum.StrEnum):
    # New loop modal
    CANDIDATE_NAME = "candidate_name"
    PACK = "pack"
    PROFILE = "profile"
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    TEAM = "team"
    RESUME_URL = "resume_url"
    # Interview modal
    STAGE = "stage"
    INTERVIEWER = "interviewer"
    START_DATE = "start_date"
    START_TIME = "start_time"
    DURATION = "duration"
    # Debrief modal
    DEBRIEF_DATE = "debrief_date"
    DEBRIEF_TIME = "debrief_time"
    # Scorecard modal (competency blocks are prefixed with the competency key)
    RECOMMENDATION = "recommendation"
    RED_FLAGS = "red_flags"
    NOTES = "notes"
    KEEP_WORDING = "keep_wording"  # shown only when evidence reads as an impression
    # Decision modal
    DECISION = "decision"
    RATIONALE = "rationale"
    # My working hours modal (the ids the people service names its errors by)
    HOURS_START = "hours_start"
    HOURS_END = "hours_end"
    HOURS_DAYS = "hours_days"
    HOURS_HOLIDAYS = "hours_holidays"


# Each input block holds one element; its action_id is the block id with this suffix.
def element_id(block_id: str) -> str:
    return f"{block_id}.value"


def rating_block(competency_key: str) -> str:
    return f"rating.{competency_key}"


def evidence_block(competency_key: str) -> str:
    return f"evidence.{competency_key}"


def flag_evidence_block(flag_key: str) -> str:
    return f"flag_evidence.{flag_key}"
