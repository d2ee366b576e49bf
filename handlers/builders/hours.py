"""Block Kit for a person's own working time: the App Home section and the *My working hours* modal."""

from __future__ import annotations

from typing import Any

from bot.mrkdwn import escape
from bot.services.people import DAY_NAMES, HoursSummary, days_text
from handlers.builders.common import Block, button, header, input_block, modal, option, section, text_input
from handlers.ids import Action, Callback
from handlers.ids import Block as B

WEEK_ORDER = (6, 0, 1, 2, 3, 4, 5)  # Sunday first, so both Sun-Thu and Mon-Fri weeks read in order


def hours_blocks(summary: HoursSummary) -> list[Block]:
    hours = summary.hours
    calendar = hours.holidays.code if hours.holidays else "none"
    whose = "your own" if summary.own else "the workspace's"
    cap = f"at most {summary.cap} interviews a week" + (" (your own cap)" if summary.own_cap else "")
    text = (
        f"{hours.start:%H:%M}–{hours.end:%H:%M} · {days_text(hours.days)} · public holidays: {escape(calendar)}"
        f" · {cap}\n_Reminders reach you only in these hours ({whose} settings)._"
    )
    return [
        header("Your working hours"),
        section(text, accessory=button("My working hours", Action.MY_HOURS, "open")),
    ]


def hours_modal(summary: HoursSummary, workspace_cap: int) -> dict[str, Any]:
    hours = summary.hours
    days = [option(DAY_NAMES[d], str(d)) for d in WEEK_ORDER]
    chosen = [o for o in days if int(o["value"]) in hours.days]
    # Left empty while following the workspace's calendar, so saving one's hours does not pin it.
    calendar = (hours.holidays.code if hours.holidays else "none") if summary.own_calendar else ""
    blocks = [
        input_block(B.HOURS_START, "Day starts", {"type": "timepicker", "initial_time": f"{hours.start:%H:%M}"}),
        input_block(B.HOURS_END, "Day ends", {"type": "timepicker", "initial_time": f"{hours.end:%H:%M}"}),
        input_block(
            B.HOURS_DAYS,
            "Working days",
            {"type": "checkboxes", "options": days, **({"initial_options": chosen} if chosen else {})},
        ),
        input_block(
            B.HOURS_HOLIDAYS,
            "Public holidays",
            text_input(max_length=40, initial=calendar, placeholder="GB, US-CA, DE-BY or none"),
            optional=True,
            hint="A country code, or country-subdivision, whose public holidays you take off; "
            "none for no holidays; empty for the workspace's calendar.",
        ),
        input_block(
            B.WEEKLY_CAP,
            "Interviews a week, at most",
            text_input(
                max_length=3, initial=str(summary.cap) if summary.own_cap else "", placeholder=str(workspace_cap)
            ),
            optional=True,
            hint=f"Lower than the workspace's {workspace_cap} to be suggested less often; empty for the workspace's.",
        ),
    ]
    return modal(Callback.MY_HOURS, "My working hours", blocks, submit="Save")
