"""The pre-read's heat map: competencies down, interviewers across, one cell per rating.

A cell's fill is the rating on cividis (dark is low, light is high) and its number is written
in it, so the colour is never the only way to read it. A cell nobody rated is left blank (white,
no number). A competency the panel disagrees on is outlined with a dashed line: the same rule
as the pre-read's text, its ratings spread 2 or more points (bot.services.summary).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean
from typing import TYPE_CHECKING

import numpy as np

from bot.charts.canvas import HEAT_COLOURMAP, OKABE_ITO, box, drawn, figure, literal, png, short, text_colour
from bot.services.ports import Picture
from bot.services.summary import DISAGREEMENT_SPREAD, Summary
from rubrics.models import RATINGS

if TYPE_CHECKING:
    from matplotlib.colors import Colormap

CELL_WIDTH, CELL_HEIGHT = 90, 44
LEFT, RIGHT, TOP, BOTTOM = 270, 120, 56, 130
ROW_LABEL_MAX, COLUMN_LABEL_MAX = 36, 20
ALT_TEXT_MAX = 2000  # Slack's limit for an image block's alt_text
TITLE = "Ratings by competency and interviewer"
NOTE = f"Blank: not rated. Dashed outline: ratings {DISAGREEMENT_SPREAD} or more points apart."


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: tuple[float | None, ...]  # one per column; None: not rated
    outlined: bool = False


def size(rows: int, columns: int) -> tuple[int, int]:
    """The picture's (width, height) in pixels for a grid of this many rows and columns."""
    return LEFT + max(1, columns) * CELL_WIDTH + RIGHT, TOP + max(1, rows) * CELL_HEIGHT + BOTTOM


@drawn
def heat_map(rows: Sequence[HeatRow], columns: Sequence[str], alt_text: str, title: str = TITLE) -> Picture:
    """Draw the grid. Labels are drawn as typed (never as mathtext) and cut to one short line."""
    if not rows or not columns or any(len(r.cells) != len(columns) for r in rows):
        raise ValueError("a heat map needs at least one row and column, and one cell per column in each row")
    from matplotlib.patches import Rectangle

    width, height = size(len(rows), len(columns))
    values = np.ma.masked_invalid(np.array([[np.nan if c is None else c for c in r.cells] for r in rows], float))
    with figure(width, height) as fig:
        ax = fig.add_axes(box(fig, LEFT, BOTTOM, len(columns) * CELL_WIDTH, len(rows) * CELL_HEIGHT))
        cmap = _colourmap()
        image = ax.imshow(values, cmap=cmap, vmin=RATINGS[0], vmax=RATINGS[-1], aspect="auto", interpolation="nearest")
        for (y, x), value in np.ndenumerate(values.filled(np.nan)):
            if not np.isnan(value):
                label = f"{value:g}" if value == int(value) else f"{value:.1f}"
                ax.text(x, y, label, ha="center", va="center", fontsize=11, color=text_colour(cmap(image.norm(value))))
        for y, row in enumerate(rows):
            if row.outlined:
                outline = Rectangle((-0.5, y - 0.5), len(columns), 1, fill=False, clip_on=False)
                outline.set(edgecolor=OKABE_ITO["vermillion"], linewidth=3, linestyle=(0, (4, 2)))
                ax.add_patch(outline)
        ax.set_xticks(range(len(columns)), [short(c, COLUMN_LABEL_MAX) for c in columns], rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), [short(r.label, ROW_LABEL_MAX) for r in rows])
        ax.set_xticks(np.arange(len(columns) + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="#d0d0d0", linewidth=1)
        ax.tick_params(which="minor", length=0)
        key = fig.colorbar(image, cax=fig.add_axes(box(fig, width - RIGHT + 24, BOTTOM, 16, len(rows) * CELL_HEIGHT)))
        key.set_ticks(list(RATINGS))
        key.set_label("rating")
        literal(ax.get_xticklabels() + ax.get_yticklabels())
        literal([fig.text(8 / width, 1 - 34 / height, title, fontsize=13, weight="bold")])
        literal([fig.text(8 / width, 10 / height, NOTE, fontsize=9, color="#333333")])
        return Picture(png=png(fig), alt_text=alt_text, title=title, width=width, height=height)


def _colourmap() -> Colormap:
    from matplotlib import colormaps

    return colormaps[HEAT_COLOURMAP].with_extremes(bad="white")  # unrated: blank


def pre_read_heat_map(summary: Summary, names: dict[str, str]) -> Picture:
    """The pre-read's picture. Columns are the interviewers in the order their ratings came in;
    someone who rated one competency in two stages gets the mean of the two in its cell."""
    columns = list(dict.fromkeys(who for row in summary.matrix for who, _ in row.ratings))
    rows = []
    for row in summary.matrix:
        cells = tuple(_cell([r for who, r in row.ratings if who == person]) for person in columns)
        rows.append(HeatRow(row.name, cells, row.disagreement))
    labels = [names.get(person, person) for person in columns]
    return heat_map(rows, labels, alt_text(summary, names))


def _cell(ratings: list[int]) -> float | None:
    return mean(ratings) if ratings else None


def alt_text(summary: Summary, names: dict[str, str]) -> str:
    """What the heat map shows, in sentences a screen reader can read out: every rating, by name."""
    raters = {who for row in summary.matrix for who, _ in row.ratings}
    rated = [row for row in summary.matrix if row.count]
    unrated = [row.name for row in summary.matrix if not row.count]
    parts = [
        f"Heat map of ratings on the 1 to 4 scale (darker is lower): {len(summary.matrix)} competencies "
        f"by {len(raters)} interviewer{'s' if len(raters) != 1 else ''}."
    ]
    if summary.disagreements:
        parts.append("Outlined, the panel disagrees on: " + ", ".join(r.name for r in summary.disagreements) + ".")
    for row in rated:
        ratings = ", ".join(f"{names.get(who, who)} {rating}" for who, rating in row.ratings)
        parts.append(f"{row.name}: {ratings}.")
    if unrated:
        parts.append("Not rated by anyone: " + ", ".join(unrated) + ".")
    text = " ".join(" ".join(part.split()) for part in parts)
    return text if len(text) <= ALT_TEXT_MAX else text[: ALT_TEXT_MAX - 1] + "…"
