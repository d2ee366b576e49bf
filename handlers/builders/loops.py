"""Block Kit for the recruiter's side: the new-loop modal, the interview and debrief modals,
the loop card, and the status views. Pure functions of domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.mrkdwn import escape
from bot.services.ports import InterviewLine, LoopCard, Message, PersonalStatus
from bot.services.suggestions import Suggestions
from db.vocabulary import InterviewStatus
from handlers.builders.common import (
    Block,
    actions,
    button,
    context,
    count,
    divider,
    fit,
    header,
    input_block,
    modal,
    option,
    section,
    text_input,
    when,
)
from handlers.builders.dashboard import dashboard_blocks, own_blocks
from handlers.builders.hours import hours_blocks
from handlers.builders.measures import coverage_blocks, home_leniency
from handlers.builders.pools import suggestion_blocks, warning_text
from handlers.ids import Action, Callback
from handlers.ids import Block as B
from rubrics.models import RubricPack

STATUS_LIMIT = 40  # interviews listed in one status message, leaving room under 50 blocks


def new_loop_modal(
    packs: list[RubricPack], caller: str, origin_channel: str | None = None, reply_url: str | None = None
) -> dict[str, Any]:
    pack_options = [option(p.role, p.pack) for p in packs]
    profile_options = [
        option(
            f"{p.role}: {profile.name}" if len(packs) > 1 else profile.name,
            f"{p.pack}/{profile.key}",
            fit(profile.description, 75),
        )
        for p in packs
        for profile in p.profiles
    ]
    balanced = next((o for o in profile_options if o["value"].endswith("/balanced")), profile_options[0])
    blocks = [
        input_block(B.CANDIDATE_NAME, "Candidate name", text_input(max_length=200, placeholder="First and last name")),
        input_block(
            B.PACK, "Role", {"type": "static_select", "options": pack_options, "initial_option": pack_options[0]}
        ),
        input_block(
            B.PROFILE,
            "Profile",
            {"type": "static_select", "options": profile_options[:100], "initial_option": balanced},
            hint="Weights the competencies in the debrief's profile-fit score.",
        ),
        input_block(B.RECRUITER, "Recruiter", {"type": "users_select", "initial_user": caller}),
        input_block(B.HIRING_MANAGER, "Hiring manager", {"type": "users_select", "initial_user": caller}),
        input_block(
            B.TEAM,
            "Hiring team",
            {"type": "multi_users_select", "max_selected_items": 50},
            optional=True,
            hint="Interviewers are also invited when you schedule them.",
        ),
        input_block(
            B.RESUME_URL,
            "Résumé or ATS profile link",
            {"type": "url_text_input"},
            optional=True,
            hint="An https:// link, bookmarked in the candidate's private channel.",
        ),
    ]
    # The channel /hire new was typed in: where to answer if opening the loop fails.
    return modal(
        Callback.NEW_LOOP,
        "New hiring loop",
        blocks,
        submit="Open loop",
        metadata={"origin_channel": origin_channel, "reply_url": reply_url},
    )


def interview_modal(
    pack: RubricPack,
    card: LoopCard,
    default_zone: str,
    interview: InterviewLine | None = None,
    interviewer_zone: str | None = None,
    suggestions: Suggestions | None = None,
) -> dict[str, Any]:
    """Add or reschedule an interview. `interviewer_zone`, once the interviewer is picked,
    names the time zone the start time will be read in; `suggestions`, once a stage is picked,
    ranks the trained members of its pool. Stage, interviewer, date and time redraw it."""
    stages = [option(s.name, s.key, f"{s.duration_minutes} min") for s in pack.stages]
    stage_el: dict[str, Any] = {"type": "static_select", "options": stages}
    who: dict[str, Any] = {"type": "users_select"}
    date_el: dict[str, Any] = {"type": "datepicker"}
    time_el: dict[str, Any] = {"type": "timepicker"}
    duration = 60
    if interview:
        stage_el["initial_option"] = next((o for o in stages if o["value"] == interview.stage_key), stages[0])
        who["initial_user"] = interview.interviewer_id
        local = interview.starts_at.astimezone(ZoneInfo(interview.timezone))
        date_el["initial_date"] = local.strftime("%Y-%m-%d")
        time_el["initial_time"] = local.strftime("%H:%M")
        duration = int((interview.ends_at - interview.starts_at).total_seconds() // 60)
    blocks = [
        context(f"Candidate: *{escape(card.name)}*"),
        input_block(B.STAGE, "Stage", stage_el, dispatch=True),
        *suggestion_blocks(suggestions),
        input_block(
            B.INTERVIEWER, "Interviewer", who, hint="Invited to the channel if they aren't in it yet.", dispatch=True
        ),
        input_block(B.START_DATE, "Date", date_el, dispatch=True),
        input_block(
            B.START_TIME,
            "Start time",
            time_el,
            dispatch=True,
            hint=(
                f"In the interviewer's time zone: {interviewer_zone}."
                if interviewer_zone
                else f"In the interviewer's own time zone, from their Slack profile ({default_zone} if they have none)."
            )
            + " A past time is fine: the scorecard is then due at once.",
        ),
        input_block(
            B.DURATION,
            "Duration (minutes)",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "10",
                "max_value": "480",
                "initial_value": str(duration),
            },
        ),
    ]
    metadata = {"candidate_id": card.candidate_id, "interview_id": interview.id if interview else None}
    if interview:
        return modal(Callback.EDIT_INTERVIEW, "Reschedule interview", blocks, submit="Save", metadata=metadata)
    return modal(Callback.ADD_INTERVIEW, "Add interview", blocks, submit="Add", metadata=metadata)


def debrief_modal(card: LoopCard, zone: str) -> dict[str, Any]:
    date_el: dict[str, Any] = {"type": "datepicker"}
    time_el: dict[str, Any] = {"type": "timepicker"}
    if card.debrief_at:
        local = card.debrief_at.astimezone(ZoneInfo(zone))
        date_el["initial_date"] = local.strftime("%Y-%m-%d")
        time_el["initial_time"] = local.strftime("%H:%M")
    blocks = [
        context(f"Candidate: *{escape(card.name)}*. Everyone still missing a scorecard is nudged before it."),
        input_block(B.DEBRIEF_DATE, "Date", date_el),
        input_block(B.DEBRIEF_TIME, "Time", time_el, hint=f"In your own time zone ({zone})."),
    ]
    return modal(
        Callback.SET_DEBRIEF, "Set debrief", blocks, submit="Save", metadata={"candidate_id": card.candidate_id}
    )


def _state(line: InterviewLine, now: datetime | None = None) -> str:
    if line.status is InterviewStatus.CANCELLED:
        return "cancelled"
    if line.submitted:
        return "✅ scorecard in"
    if line.escalated:
        return "⏰ scorecard overdue, escalated to the recruiter"
    if line.overdue:
        return "⚠️ scorecard overdue"
    if now is not None and line.ends_at <= now:
        return "⏳ scorecard due"
    return "🗓 scheduled"


def _interview_text(line: InterviewLine, zone: str) -> str:
    return f"*{escape(line.stage_name)}* · <@{line.interviewer_id}> · {when(line.starts_at, zone)}"


def loop_card(card: LoopCard) -> Message:
    warned = {w.interview_id: w for w in card.warnings}
    planned: dict[str, list[InterviewLine]] = {}
    for line in card.interviews:
        if line.status is not InterviewStatus.CANCELLED:
            planned.setdefault(line.stage_key, []).append(line)
    stage_lines = []
    for key, name in card.stages:
        lines = planned.pop(key, [])
        if not lines:
            stage_lines.append(f"◻️ *{escape(name)}*: not scheduled yet")
        for line in lines:
            warning = f" · {warning_text(warned[line.id], line.stage_name)}" if line.id in warned else ""
            mark = "✅" if line.submitted else "▫️"
            stage_lines.append(f"{mark} {_interview_text(line, card.zone)} · {_state(line)}{warning}")
    for lines in planned.values():  # stages that left the pack after they were planned
        stage_lines += [f"▫️ {_interview_text(line, card.zone)} · {_state(line)}" for line in lines]
    weeks = f"{card.target_weeks[0]}-{card.target_weeks[1]} weeks"
    debrief = when(card.debrief_at, card.zone) if card.debrief_at else "not set"
    state = card.decision.value.replace("_", " ") if card.decision else card.status.value
    blocks: list[Block] = [
        header(f"{card.name} · {card.role}"),
        *([context(f"Imported: loop {card.imported[0]} of {card.imported[1]}")] if card.imported else []),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Profile*\n{escape(card.profile)}"},
                {"type": "mrkdwn", "text": f"*Loop open*\n{card.days_open} days (target {weeks})"},
                {"type": "mrkdwn", "text": f"*Recruiter*\n<@{card.recruiter_id}>"},
                {"type": "mrkdwn", "text": f"*Hiring manager*\n<@{card.hiring_manager_id}>"},
                {"type": "mrkdwn", "text": f"*Debrief*\n{debrief}"},
                {"type": "mrkdwn", "text": f"*Status*\n{state}"},
            ],
        },
        divider(),
        section("*Interview plan*\n" + "\n".join(stage_lines)),
        *coverage_blocks(card.coverage, "planned"),
    ]
    if card.problems:
        blocks.append(
            section(
                "⚠️ *Problems*: "
                + ", ".join(escape(p) for p in card.problems)
                + "\nFix the cause (for example an invite the workspace blocked), then retry.",
                accessory=button("Retry set-up", Action.RETRY_SETUP, str(card.candidate_id)),
            )
        )
    value = str(card.candidate_id)
    blocks.append(context(f"Loop #{card.candidate_id} · `hirebot export --candidate {card.candidate_id}` for the ATS"))
    blocks.append(
        actions(
            "loop_card",
            button("Add interview", Action.ADD_INTERVIEW, value, style="primary"),
            button("Set debrief", Action.SET_DEBRIEF, value),
            button("Status", Action.STATUS, value),
        )
    )
    scheduled = sum(1 for line in card.interviews if line.status is not InterviewStatus.CANCELLED)
    text = f"Hiring loop: {escape(card.name)} ({escape(card.role)}), {count(scheduled, 'interview')} planned"
    return Message(text=text, blocks=blocks)


def loop_status(card: LoopCard, now: datetime) -> Message:
    """The channel's `/hire status`: who has submitted (never what), what is overdue, how long it's been."""
    lines = [line for line in card.interviews if line.status is not InterviewStatus.CANCELLED]
    submitted = sum(1 for line in lines if line.submitted)
    overdue = [line for line in lines if line.overdue]
    min_w, max_w = card.target_weeks
    pace = "on track" if card.days_open <= max_w * 7 else "over target"
    blocks: list[Block] = [
        section(
            f"*{escape(card.name)}*: {submitted} of {count(len(lines), 'scorecard')} in"
            + (f", *{len(overdue)} overdue*" if overdue else "")
            + f". Day {card.days_open} of a {min_w}-{max_w} week target ({pace})."
        ),
    ]
    for line in lines[:STATUS_LIMIT]:
        block = section(f"{_interview_text(line, card.zone)}\n{_state(line, now)}")
        if not line.submitted:
            block["accessory"] = {
                "type": "overflow",
                "action_id": Action.INTERVIEW_MENU,
                "options": [
                    option("Reschedule", f"reschedule:{line.id}"),
                    option("Add a shadow or reverse shadow", f"trainee:{line.id}"),
                    option("Cancel interview", f"cancel:{line.id}"),
                ],
            }
        blocks.append(block)
    if len(lines) > STATUS_LIMIT:
        blocks.append(context(f"…and {len(lines) - STATUS_LIMIT} more interviews."))
    if not lines:
        blocks.append(context("No interviews yet. Use *Add interview* on the loop card."))
    text = f"{escape(card.name)}: {submitted} of {count(len(lines), 'scorecard')} in, {len(overdue)} overdue"
    return Message(text=text, blocks=blocks)


UNFINISHED_LIMIT = 5  # with 20 pending and 20 upcoming, a status message stays under 50 blocks


def unfinished_blocks(status: PersonalStatus) -> list[Block]:
    """Loops whose set-up did not finish: nothing else leads to them, so each has its Retry."""
    if not status.unfinished:
        return []
    blocks: list[Block] = [header("Loops waiting for set-up")]
    for loop in status.unfinished[:UNFINISHED_LIMIT]:
        where = f" · <#{loop.channel_id}>" if loop.channel_id else " · no channel yet"
        problems = fit(", ".join(loop.problems) or "set-up interrupted", 1000)
        blocks.append(
            section(
                f"*{escape(loop.candidate_name)}* · loop #{loop.candidate_id}{where}\n{escape(problems)}",
                accessory=button("Retry set-up", Action.RETRY_SETUP, str(loop.candidate_id), style="primary"),
            )
        )
    if len(status.unfinished) > UNFINISHED_LIMIT:
        blocks.append(context(f"…and {len(status.unfinished) - UNFINISHED_LIMIT} more."))
    return blocks


def personal_blocks(status: PersonalStatus) -> list[Block]:
    blocks: list[Block] = [*unfinished_blocks(status), header("Your scorecards")]
    if not status.pending:
        blocks.append(section("Nothing waiting for you. 🎉"))
    for item in status.pending[:20]:
        flag = " · ⚠️ *overdue*" if item.overdue else ""
        where = f" in <#{item.channel_id}>" if item.channel_id else ""
        blocks.append(
            section(
                f"*{escape(item.candidate_name)}* · {escape(item.stage_name)}{where}\n"
                f"Ended {when(item.ends_at, status.zone)}{flag}",
                accessory=button("Submit scorecard", Action.OPEN_SCORECARD, str(item.interview_id), style="primary"),
            )
        )
    blocks.append(header("Your upcoming interviews"))
    if not status.upcoming:
        blocks.append(section("None scheduled."))
    for line in status.upcoming[:20]:
        name, channel = status.upcoming_channels[line.id]
        where = f" in <#{channel}>" if channel else ""
        blocks.append(
            section(f"*{escape(name)}* · {escape(line.stage_name)}{where}\n{when(line.starts_at, status.zone)}")
        )
    return blocks


def personal_status(status: PersonalStatus) -> Message:
    text = (
        f"You have {count(len(status.pending), 'scorecard')} to submit and "
        f"{count(len(status.upcoming), 'upcoming interview')}"
    )
    if status.unfinished:
        text += f"; {count(len(status.unfinished), 'loop')} waiting for set-up"
    return Message(text=text, blocks=personal_blocks(status))


HOME_BLOCKS_MAX = 100  # Slack's limit for a Home tab view


def home_view(status: PersonalStatus) -> dict[str, Any]:
    """Own work first; then the dashboard (recruiters) or own timeliness (interviewers); then leniency and hours."""
    blocks = personal_blocks(status)
    tail = home_leniency(status) + (hours_blocks(status.hours) if status.hours is not None else [])
    tail.append(context("Type `/hire help` anywhere for every command."))
    if status.dashboard is not None:
        budget = HOME_BLOCKS_MAX - len(blocks) - len(tail)
        blocks += dashboard_blocks(status.dashboard, status.zone, budget, status.charts, status.load)
    elif status.own_numbers is not None:
        blocks += own_blocks(status.own_numbers)
    return {"type": "home", "blocks": (blocks + tail)[:HOME_BLOCKS_MAX]}
