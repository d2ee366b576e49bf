"""Block Kit for the hiring dashboard in a recruiter's App Home, and an interviewer's own numbers.

Pure functions of the service's values (bot/services/dashboard.py). The dashboard is a list of parts,
each a header and its lines; a part's lines are capped, and the parts that do not fit in the blocks
the Home has left are replaced by a pointer to `hirebot report`, which prints every row. A picture
(loop age against the target, alpha against its thresholds) goes into its part as an image block,
between the header and the lines: see `_part`. A recruiter's dashboard also has this week's load per
person against their cap (bot/services/load.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.mrkdwn import escape
from bot.services.agreement import MIN_UNITS, RELIABLE, TENTATIVE, Agreement, Verdict
from bot.services.dashboard import (
    ON_TIME_GOAL,
    Chart,
    Dashboard,
    NextStep,
    OpenLoop,
    OverdueScorecard,
    OwnNumbers,
    Pace,
    StageFlow,
    Step,
    Timeliness,
)
from bot.services.load import LoadReport, WeekLoad
from bot.services.ports import SlackImage
from handlers.builders.common import Block, context, count, header, image, pack_lines, section, when

LOOP_LINES = 25
OVERDUE_LINES = 15
INTERVIEWER_LINES = 20
LOAD_LINES = 20
WAITING_NAMED = 4  # people named on a loop's line before "and N more"
PACE_MARK = {Pace.ON_TRACK: "", Pace.PAST_MIN: "⚠️ ", Pace.PAST_MAX: "🔴 "}
REPORT = "`hirebot report {}`"


def _more(shown: int, total: int, subject: str) -> list[str]:
    if total <= shown:
        return []
    return [f"…and {total - shown} more: {REPORT.format(subject)} lists them all."]


def _people(users: tuple[str, ...]) -> str:
    named = ", ".join(f"<@{u}>" for u in users[:WAITING_NAMED])
    return named + (f" and {len(users) - WAITING_NAMED} more" if len(users) > WAITING_NAMED else "")


def step_text(step: NextStep, zone: str) -> str:
    """'scorecards from <@U1>, <@U2>', 'Coding round with <@U3> <date>', 'record the decision: <@HM>'."""
    who = _people(step.waiting_on)
    if step.step is Step.SCORECARDS:
        return f"waiting on scorecards from {who}"
    if step.step is Step.INTERVIEW and step.at is not None:
        return f"{escape(step.stage_name or 'interview')} with {who}, {when(step.at, zone)}"
    if step.step is Step.DEBRIEF and step.at is not None:
        return f"debrief {when(step.at, zone)} ({who})"
    return f"{step.step}: {who}"


def loop_line(loop: OpenLoop, zone: str) -> str:
    where = f" <#{loop.channel_id}>" if loop.channel_id else ""
    return (
        f"• *{escape(loop.name)}*{where} · day {loop.days_open} · {PACE_MARK[loop.pace]}{loop.pace_label}"
        f" · next: {step_text(loop.next_step, zone)}"
    )


def overdue_line(row: OverdueScorecard) -> str:
    where = f" <#{row.channel_id}>" if row.channel_id else ""
    return (
        f"• <@{row.interviewer_id}> · *{escape(row.candidate_name)}*{where} · {escape(row.stage_name)} · "
        f"{hours(row.hours_late)} since the interview"
    )


def hours(value: float) -> str:
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def share(row: Timeliness) -> str:
    return "-" if row.share is None else f"{row.share:.0%}"


def timeliness_line(row: Timeliness) -> str:
    median = "no scorecards in yet" if row.median_hours is None else f"median {hours(row.median_hours)}"
    return f"• <@{row.interviewer_id}>: {median} · {row.on_time} of {row.due} on time ({share(row)})"


def stage_line(flow: StageFlow) -> str:
    rate = "" if flow.rate is None else f" ({flow.rate:.0%} of those settled)"
    still = f", {flow.still_open} still open" if flow.still_open else ""
    return f"• {escape(flow.stage_name)}: {flow.reached} reached → {flow.went_on} went on{rate}{still}"


def agreement_line(row: Agreement) -> str:
    if row.alpha is None:
        why = f"{row.units} of {MIN_UNITS} candidates" if row.verdict is Verdict.NOT_ENOUGH_DATA else "all alike"
        return f"• {escape(row.name)}: {row.verdict} ({why})"
    mark = "⚠️ " if row.verdict is Verdict.UNRELIABLE else ""
    return f"• {escape(row.name)}: α *{row.alpha:.2f}* {mark}{row.verdict} ({count(row.units, 'candidate')})"


@dataclass(frozen=True)
class View:
    """What one dashboard shows: the numbers, and for a recruiter its pictures and this week's load."""

    board: Dashboard
    zone: str
    charts: Mapping[Chart, SlackImage] = field(default_factory=dict)
    load: LoadReport | None = None


def _part(
    title: str, summary: str, lines: list[str], note: str | None = None, picture: SlackImage | None = None
) -> list[Block]:
    blocks = [header(title)]
    if picture is not None:
        blocks.append(image(picture.file_id, picture.alt_text, picture.title))
    blocks += [section(text) for text in pack_lines([summary, *lines])]
    return blocks + ([context(note)] if note else [])


def loops_part(view: View) -> list[Block]:
    board, zone = view.board, view.zone
    rows = board.open_loops
    late = {p: sum(1 for r in rows if r.pace is p) for p in Pace}
    target = rows[0].target_weeks if rows else (4, 6)
    summary = (
        f"{count(len(rows), 'open loop')}: {late[Pace.ON_TRACK]} on track, {late[Pace.PAST_MIN]} past "
        f"{target[0]} weeks, {late[Pace.PAST_MAX]} past {target[1]} weeks"
    )
    lines = [loop_line(r, zone) for r in rows[:LOOP_LINES]] + _more(LOOP_LINES, len(rows), "loops")
    note = f"Oldest first; the target is {target[0]}-{target[1]} weeks from opening."
    return _part("Open loops", summary, lines, note, view.charts.get(Chart.LOOP_AGES))


def overdue_part(view: View) -> list[Block]:
    rows = view.board.overdue
    summary = (
        f"{count(len(rows), 'scorecard')} more than a day late" if rows else "No scorecard is more than a day late."
    )
    lines = [overdue_line(r) for r in rows[:OVERDUE_LINES]] + _more(OVERDUE_LINES, len(rows), "interviewers")
    return _part("Overdue scorecards", summary, lines)


def goal_text(row: Timeliness) -> str:
    if row.share is None:
        return "No scorecards were due yet."
    mark = "" if row.meets_goal else " ⚠️ below"
    return (
        f"*{share(row)}* of {count(row.due, 'scorecard')} in within 24 hours of the interview "
        f"(goal: {ON_TIME_GOAL:.0%}){mark}"
    )


def load_line(row: WeekLoad) -> str:
    mark = " · 🔴 *over their cap*" if row.over else ""
    return f"• <@{escape(row.user_id)}>: {count(row.interviews, 'interview')} of {row.cap}{mark}"


def load_part(view: View) -> list[Block]:
    """Interviews per person this week against their cap, most loaded first (recruiters only)."""
    if view.load is None:
        return []
    week = view.load.weeks[-1]
    rows = sorted((r for r in view.load.rows if r.week == week), key=lambda r: (not r.over, -r.interviews, r.user_id))
    over = [r for r in rows if r.over]
    summary = (
        f"{count(len(rows), 'person', 'people')} interviewing this week; over their cap: "
        + ", ".join(f"<@{escape(r.user_id)}>" for r in over[:WAITING_NAMED])
        + (f" and {len(over) - WAITING_NAMED} more" if len(over) > WAITING_NAMED else "")
        if over
        else f"{count(len(rows), 'person', 'people')} interviewing this week; nobody is over their cap."
    )
    lines = [load_line(r) for r in rows[:LOAD_LINES]] + _more(LOAD_LINES, len(rows), "load")
    note = (
        f"{week}, Monday to Sunday in {escape(view.load.zone)}: scheduled interviews against each person's weekly "
        f"cap. {REPORT.format('load')} shows past weeks."
    )
    return _part("Load this week", summary, lines, note)


def timeliness_part(view: View) -> list[Block]:
    board = view.board
    rows = board.interviewers
    lines = [timeliness_line(r) for r in rows[:INTERVIEWER_LINES]] + _more(INTERVIEWER_LINES, len(rows), "interviewers")
    note = (
        f"Last {board.window_days} days, by the interview's end; slowest median first. Greenhouse advises "
        f"scorecards within 24 hours, for at least {ON_TIME_GOAL:.0%} of them."
    )
    return _part("Scorecard timeliness", goal_text(board.timeliness), lines, note)


def flow_part(view: View) -> list[Block]:
    board = view.board
    made = board.decisions
    summary = (
        f"Time to decision: median *{made.median_days:.0f} days* from opening over "
        f"{count(made.decided, 'decision')} ({made.hired} hired)"
        if made.median_days is not None
        else "No decisions yet in this window."
    )
    lines = [stage_line(f) for f in board.stages] or ["No interviews held in this window."]
    note = f"Last {board.window_days} days. Went on: reached a later stage, or hired."
    return _part("Stage pass-through", summary, lines, note)


def agreement_part(view: View) -> list[Block]:
    rows = view.board.agreement
    weak = [r for r in rows if r.verdict is Verdict.UNRELIABLE]
    summary = (
        "Anchors need work: " + ", ".join(escape(r.name) for r in weak)
        if weak
        else "No competency is measurably unreliable."
    )
    lines = [agreement_line(r) for r in rows] or ["No ratings yet."]
    note = (
        f"Krippendorff's alpha, ordinal: ≥ {RELIABLE:.2f} reliable, ≥ {TENTATIVE:.3f} tentative "
        f"(Krippendorff 2004); needs {MIN_UNITS} candidates rated by two or more interviewers."
    )
    return _part("Agreement per competency", summary, lines, note, view.charts.get(Chart.AGREEMENT))


PARTS: list[tuple[str, Callable[[View], list[Block]]]] = [
    ("loops", loops_part),
    ("interviewers", overdue_part),
    ("load", load_part),
    ("interviewers", timeliness_part),
    ("loops", flow_part),
    ("competencies", agreement_part),
]


def dashboard_blocks(
    board: Dashboard,
    zone: str,
    budget: int,
    charts: Mapping[Chart, SlackImage] | None = None,
    load: LoadReport | None = None,
) -> list[Block]:
    """The dashboard in at most `budget` blocks: whole parts in order, then a pointer for the rest."""
    view = View(board, zone, charts or {}, load)
    blocks: list[Block] = [header("Hiring dashboard")]
    for n, (_, build) in enumerate(PARTS):
        part = build(view)
        if len(blocks) + len(part) + 1 > budget:  # keep one block for the pointer
            left = sorted({s for s, _ in PARTS[n:]})
            blocks.append(context("More than fits here: " + ", ".join(REPORT.format(s) for s in left) + "."))
            return blocks
        blocks += part
    return blocks


def own_blocks(own: OwnNumbers) -> list[Block]:
    """An interviewer's own timeliness: the only numbers about them they see besides their leniency."""
    row = own.timeliness
    median = "" if row.median_hours is None else f" Your median time to scorecard: *{hours(row.median_hours)}*."
    text = (
        f"You submitted *{share(row)}* of your {count(row.due, 'scorecard')} within 24 hours of the "
        f"interview (goal: {ON_TIME_GOAL:.0%}).{median}"
    )
    return [header("Your scorecard timeliness"), section(text), context(f"Last {own.window_days} days.")]
