"""`/hire help`: every subcommand, in the order a loop uses them."""

from __future__ import annotations

from bot.services.ports import Message
from handlers.builders.common import context, section

SUBCOMMANDS = (
    ("new", "Open a hiring loop: a private channel for the candidate, the team invited (recruiters only)."),
    ("schedule", "Add an interview to this candidate's loop (in a candidate channel)."),
    ("debrief", "Set the debrief time for this loop (in a candidate channel)."),
    ("status", "In a candidate channel: the loop's progress. Anywhere else: your own scorecards and interviews."),
    ("summary", "Post the debrief pre-read now, or refresh it (recruiter or hiring manager, in its channel)."),
    ("decide", "Record Hire, No hire or Hold with a rationale; closes the loop (recruiter or hiring manager)."),
    ("pool", "Keep the interviewer pool of each stage: trained, shadowing, reverse shadowing (recruiters only)."),
    ("help", "This list."),
)


def help_message() -> Message:
    lines = "\n".join(f"`/hire {name}`: {what}" for name, what in SUBCOMMANDS)
    text = "hirebot commands:\n" + "\n".join(f"/hire {name}: {what}" for name, what in SUBCOMMANDS)
    return Message(
        text=text,
        blocks=[
            section("*hirebot* runs hiring loops in Slack.\n" + lines),
            context("Scorecards stay blind: nobody sees another interviewer's ratings before submitting their own."),
        ],
    )
