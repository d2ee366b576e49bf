"""The recruiter dashboard's two pictures: how old each open loop is against the pack's target,
and how well interviewers agree on each competency against Krippendorff's thresholds.

Bars are told apart by a hatch as well as by an Okabe-Ito colour, and each bar has its number
written at its end: nothing depends on seeing colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.charts.canvas import OKABE_ITO, box, drawn, figure, literal, png, short
from bot.services.agreement import RELIABLE, TENTATIVE, Agreement, Verdict
from bot.services.ports import Picture

ROW_HEIGHT = 30
LEFT, RIGHT, TOP, BOTTOM = 260, 70, 56, 76
PLOT_WIDTH = 560
LABEL_MAX = 34
MAX_LOOPS = 40  # the oldest this many; the title and alt text say how many were left out
ALT_TEXT_MAX = 2000


def size(rows: int) -> tuple[int, int]:
    """(width, height) in pixels of a dashboard chart with this many rows (at least one)."""
    return LEFT + PLOT_WIDTH + RIGHT, TOP + max(1, rows) * ROW_HEIGHT + BOTTOM


@dataclass(frozen=True)
class LoopAge:
    label: str  # what the dashboard calls the loop: the candidate's name, as typed
    days_open: int


@drawn
def loop_ages(loops: Sequence[LoopAge], target_weeks: tuple[int, int]) -> Picture:
    """Days open per loop, oldest first, with the target band shaded between its two ends."""
    low, high = target_weeks[0] * 7, target_weeks[1] * 7
    shown = sorted(loops, key=lambda loop: -loop.days_open)[:MAX_LOOPS]
    over = [loop for loop in loops if loop.days_open > high]
    title = f"Open loops: days against the {target_weeks[0]}-{target_weeks[1]} week target"
    if len(loops) > len(shown):
        title += f" (oldest {len(shown)} of {len(loops)})"
    oldest = f" The oldest is {shown[0].days_open} days." if shown else ""
    alt = (
        f"Bar chart of {len(loops)} open loop{'s' if len(loops) != 1 else ''} by days open, against a target of "
        f"{low} to {high} days: {len(loops) - len(over)} within {high} days, {len(over)} over.{oldest}"
    )
    width, height = size(len(shown))
    with figure(width, height) as fig:
        ax = fig.add_axes(box(fig, LEFT, BOTTOM, PLOT_WIDTH, max(1, len(shown)) * ROW_HEIGHT))
        ax.axvspan(low, high, color=OKABE_ITO["sky_blue"], alpha=0.25, linewidth=0)
        for edge in (low, high):
            ax.axvline(edge, color=OKABE_ITO["blue"], linestyle="--", linewidth=1)
        for y, loop in enumerate(shown):
            late = loop.days_open > high
            colour = OKABE_ITO["vermillion"] if late else OKABE_ITO["blue"]
            ax.barh(y, loop.days_open, height=0.6, color=colour, hatch="//" if late else None, edgecolor="white")
            ax.text(loop.days_open, y, f" {loop.days_open} d", va="center", fontsize=9)
        ax.set_xlim(0, max([high, *(loop.days_open for loop in shown)]) * 1.15)
        ax.set_ylim(max(1, len(shown)) - 0.5, -0.5)
        ax.set_yticks(range(len(shown)), [short(loop.label, LABEL_MAX) for loop in shown])
        ax.set_xlabel(f"days open (shaded: the {low}-{high} day target; hatched: over it)")
        if not shown:
            ax.text(high / 2, 0, "no open loops", ha="center", va="center")
            ax.set_yticks([])
        literal(ax.get_yticklabels())
        fig.text(8 / width, 1 - 34 / height, title, fontsize=13, weight="bold")
        return Picture(png=png(fig), alt_text=_fit(alt), title=title, width=width, height=height)


_BAR = {
    Verdict.RELIABLE: (OKABE_ITO["bluish_green"], None),
    Verdict.TENTATIVE: (OKABE_ITO["orange"], ".."),
    Verdict.UNRELIABLE: (OKABE_ITO["vermillion"], "//"),
}


@drawn
def agreement(rows: Sequence[Agreement]) -> Picture:
    """Alpha per competency, with lines at 0.667 (tentative) and 0.80 (reliable). A competency
    without a number (not enough data, no variation) gets a row that says so instead of a bar."""
    title = "Interviewer agreement per competency (Krippendorff's alpha)"
    width, height = size(len(rows))
    alphas = [row.alpha for row in rows if row.alpha is not None]
    with figure(width, height) as fig:
        ax = fig.add_axes(box(fig, LEFT, BOTTOM, PLOT_WIDTH, max(1, len(rows)) * ROW_HEIGHT))
        left = min([0.0, *alphas]) - 0.05
        ax.set_xlim(left, 1.0)
        for mark, name, align in ((TENTATIVE, "tentative 0.667 ", "right"), (RELIABLE, " reliable 0.80", "left")):
            ax.axvline(mark, color=OKABE_ITO["black"], linestyle="--", linewidth=1)
            ax.text(mark, -0.6, name, ha=align, va="bottom", fontsize=8)
        for y, row in enumerate(rows):
            if row.alpha is None:
                ax.text(left + 0.02, y, f"{row.verdict.value} (n={row.units} candidates)", va="center", fontsize=9)
                continue
            colour, hatch = _BAR[row.verdict]
            ax.barh(y, row.alpha, height=0.6, color=colour, hatch=hatch, edgecolor="white")
            ax.text(max(row.alpha, 0), y, f" {row.alpha:.2f}", va="center", fontsize=9)
        ax.set_ylim(max(1, len(rows)) - 0.5, -0.5)
        ax.set_yticks(range(len(rows)), [short(row.name, LABEL_MAX) for row in rows])
        ax.set_xlabel("alpha (1 = perfect agreement, 0 = no better than chance)")
        if not rows:
            ax.text(0.5, 0, "no competencies rated yet", ha="center", va="center")
            ax.set_yticks([])
        literal(ax.get_yticklabels())
        fig.text(8 / width, 1 - 34 / height, title, fontsize=13, weight="bold")
        return Picture(png=png(fig), alt_text=_agreement_alt(rows), title=title, width=width, height=height)


def _agreement_alt(rows: Sequence[Agreement]) -> str:
    parts = [
        f"Bar chart of Krippendorff's alpha for {len(rows)} competenc{'ies' if len(rows) != 1 else 'y'}, "
        f"against {RELIABLE:.2f} (reliable) and {TENTATIVE:.3f} (tentative)."
    ]
    for verdict in Verdict:
        named = [
            f"{row.name} {row.alpha:.2f}" if row.alpha is not None else row.name
            for row in rows
            if row.verdict is verdict
        ]
        if named:
            parts.append(f"{verdict.value.capitalize()}: {', '.join(named)}.")
    work = [row.name for row in rows if row.verdict is Verdict.UNRELIABLE]
    if work:
        parts.append(f"Anchors that need work: {', '.join(work)}.")
    return _fit(" ".join(parts))


def _fit(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ALT_TEXT_MAX else text[: ALT_TEXT_MAX - 1] + "…"
