"""The names of the fields a person fills in, shared by the services and the Slack edge.

A service's InvalidInput is keyed by these, and the modals' block ids are these same names
(handlers/ids.py), so an error always lands beside the field it is about.
"""

from __future__ import annotations

import enum


class Field(enum.StrEnum):
    # A new loop
    CANDIDATE_NAME = "candidate_name"
    PACK = "pack"
    PROFILE = "profile"
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    TEAM = "team"
    RESUME_URL = "resume_url"
    # An interview
    STAGE = "stage"
    INTERVIEWER = "interviewer"
    START_DATE = "start_date"
    START_TIME = "start_time"
    DURATION = "duration"
    # The debrief
    DEBRIEF_DATE = "debrief_date"
    DEBRIEF_TIME = "debrief_time"
    # A scorecard (competency fields are prefixed with the competency key, below)
    RECOMMENDATION = "recommendation"
    RED_FLAGS = "red_flags"
    NOTES = "notes"
    KEEP_WORDING = "keep_wording"  # shown only when evidence reads as an impression
    # The decision
    DECISION = "decision"
    RATIONALE = "rationale"
    OVERRIDE = "override"  # why the decision goes against the pack's rule
    # A sealed vote
    VOTE = "vote"
    VOTE_REASON = "vote_reason"
    # My working hours (the ids the people service names its errors by)
    HOURS_START = "hours_start"
    HOURS_END = "hours_end"
    HOURS_DAYS = "hours_days"
    HOURS_HOLIDAYS = "hours_holidays"
    WEEKLY_CAP = "weekly_cap"
    # An interviewer pool (the stage's block holds "pack/stage")
    POOL_STAGE = "pool_stage"
    POOL_PEOPLE = "pool_people"
    POOL_ROLE = "pool_role"
    # A trainee on an interview
    TRAINEE = "trainee"
    TRAINEE_MODE = "trainee_mode"
    # No modal field: what a refused button or command was about
    INTERVIEW = "interview"
    SUMMARY = "summary"
    ARCHIVE = "archive"
    PURGE = "purge"


def rating_field(competency_key: str) -> str:
    return f"rating.{competency_key}"


def evidence_field(competency_key: str) -> str:
    return f"evidence.{competency_key}"


def flag_evidence_field(flag_key: str) -> str:
    return f"flag_evidence.{flag_key}"
