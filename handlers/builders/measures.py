"""Block Kit for the panel's measurements: leniency (pre-read and App Home) and must-have coverage
(loop card and pre-read). Pure functions of the service's values."""

from __future__ import annotations

from bot.mrkdwn import escape
from bot.services.coverage import Coverage
from bot.services.leniency import MIN_CANDIDATES, Leniency
from bot.services.ports import PersonalStatus
from handlers.builders.common import SECTION_TEXT_MAX, Block, context, count, header, section

LENIENCY_LIMIT = 40  # interviewers named on a recruiter's Home, leaving room under 100 blocks
COVERAGE_SECTIONS = 4  # a pack with very many long-named must-haves still leaves the card room
FORMULA = "Spearman-Brown: k·r ÷ (1 + (k−1)·r) for k raters of single-rater reliability r"


def _interval(row: Leniency) -> str:
    return f"95% interval {row.low:+.2f} to {row.high:+.2f}, {count(row.candidates, 'candidate')}"


def leniency_line(row: Leniency) -> str:
    """'<@U1> rates 0.62 points above their panel mates (95% interval +0.21 to +1.03, 14 candidates)'."""
    return (
        f"<@{row.interviewer_id}> rates {abs(row.estimate):.2f} points {row.direction} "
        f"their panel mates ({_interval(row)})"
    )


def pack_lines(title: str, lines: list[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Whole lines into texts of at most `limit` characters (a mention is never cut in half)."""
    texts, current = [], title
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and len(current) + 1 + len(line) > limit:
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    texts.append(current)
    return texts


def calibration_section(rows: list[Leniency]) -> Block | None:
    """The pre-read's calibration: only interviewers whose interval excludes 0."""
    if not rows:
        return None
    title = "*Calibration*: these panel members rate apart from their panel mates; weigh accordingly"
    return section(pack_lines(title, [f"• {leniency_line(r)}" for r in rows])[0])


def coverage_lines(rows: list[Coverage]) -> list[str]:
    lines = []
    for row in rows:
        source = "measured" if row.measured else "pack default"
        warn = []
        if row.too_few_raters:
            warn.append("fewer than 2 raters")
        if row.below_threshold:
            warn.append(f"below {row.threshold:.2f}")
        lines.append(
            f"• {escape(row.name)}: {count(row.raters, 'rater')} → *{row.reliability:.2f}* "
            f"(r={row.single_rater:.2f}, {source})" + (f" ⚠️ {', '.join(warn)}" if warn else "")
        )
    return lines


def coverage_blocks(rows: list[Coverage], what: str) -> list[Block]:
    """Must-have coverage: `what` is "planned" (the card) or "rated" (the pre-read)."""
    if not rows:
        return []
    warnings = sum(1 for r in rows if r.warning)
    title = f"*Must-have coverage* ({what}: independent raters → projected reliability of their mean)"
    if warnings:
        title += f"\n⚠️ {count(warnings, 'must-have competency', 'must-have competencies')} short of a trustworthy mean"
    return [
        *(section(text) for text in pack_lines(title, coverage_lines(rows))[:COVERAGE_SECTIONS]),
        context(f"Target {rows[0].threshold:.2f} and 2+ raters. {FORMULA}; r measured from past loops when possible."),
    ]


def home_leniency(status: PersonalStatus) -> list[Block]:
    """Own leniency for an interviewer; everyone's for a recruiter; nothing for anyone without data."""
    if status.sees_everyone:
        return _everyone(status.leniency)
    own = next((r for r in status.leniency if r.interviewer_id == status.user_id), None)
    if own is None:
        return []
    if not own.enough_data:
        text = f"Not enough shared candidates to say yet ({own.candidates} of {MIN_CANDIDATES})."
    elif own.shown:
        text = f"You rate *{abs(own.estimate):.2f} points {own.direction}* your panel mates ({_interval(own)})."
    else:
        text = f"Your ratings are in line with your panel mates' (from {count(own.candidates, 'candidate')})."
    return [header("Your calibration"), section(text), context(_HOW)]


def _everyone(rows: list[Leniency]) -> list[Block]:
    if not rows:
        return []
    apart = [r for r in rows if r.shown]
    in_line = [r for r in rows if r.enough_data and not r.shown]
    sparse = len(rows) - len(apart) - len(in_line)
    lines = [f"• {leniency_line(r)}" for r in apart[:LENIENCY_LIMIT]]
    if len(apart) > LENIENCY_LIMIT:
        lines.append(f"…and {len(apart) - LENIENCY_LIMIT} more.")
    title = "*Rate apart from their panel mates*" if apart else "Nobody rates measurably apart from their panel mates."
    texts = pack_lines(title, lines)
    if in_line:
        texts += pack_lines(
            "*In line with their panel mates*",
            [", ".join(f"<@{r.interviewer_id}>" for r in in_line[:LENIENCY_LIMIT])]
            + ([f"…and {len(in_line) - LENIENCY_LIMIT} more."] if len(in_line) > LENIENCY_LIMIT else []),
        )
    notes = [_HOW] + ([f"{count(sparse, 'interviewer')} with too few shared candidates to say yet."] if sparse else [])
    return [header("Interviewer calibration"), *(section(t) for t in texts), context(*notes)]


_HOW = (
    "Leniency: the mean difference from panel mates rating the same candidate and competency, "
    "averaged per candidate, with a 95% t-interval. A number is given only when the interval excludes 0."
)
