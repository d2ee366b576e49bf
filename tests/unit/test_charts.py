"""The pictures (bot/charts): PNGs of the promised size whose pixels follow the data, blank
cells for what nobody rated, labels drawn as typed, and alt text that says what is shown."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image

from bot.charts import HeatRow, LoopAge, agreement, canvas, dashboard, heat_map, loop_ages, pre_read_heat_map
from bot.charts import heatmap as hm
from bot.services.agreement import Agreement, Verdict, verdict_for
from bot.services.summary import summarize
from tests.support.summaries import PACK, card, loop

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ["$x^2$", "<!channel>", "$\\frac{", "*bold* _it_ ~s~", "&lt;&amp;", "Ünïcødé 名前", "a" * 300, "\n\t"]


def pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def grid(rows: int = 6, columns: int = 8, hole: tuple[int, int] | None = (2, 3)) -> list[HeatRow]:
    """A full grid of ratings 1-4 with one blank cell (`hole`), the third row outlined."""
    return [
        HeatRow(
            f"Competency {r}",
            tuple(None if (r, c) == hole else float((r + c) % 4 + 1) for c in range(columns)),
            outlined=r == 2,
        )
        for r in range(rows)
    ]


def columns(n: int = 8) -> list[str]:
    return [f"Interviewer {c}" for c in range(n)]


def cell(image: np.ndarray, row: int, column: int) -> tuple[int, ...]:
    """A pixel inside a cell, clear of its number (centred) and of the grid and outline (edges)."""
    x = hm.LEFT + column * hm.CELL_WIDTH + 15
    y = hm.TOP + row * hm.CELL_HEIGHT + hm.CELL_HEIGHT // 2
    return tuple(int(v) for v in image[y, x])


def test_the_heat_map_is_a_png_of_the_promised_size():
    picture = heat_map(grid(), columns(), "alt")
    assert (picture.width, picture.height) == hm.size(6, 8) == (270 + 8 * 90 + 120, 56 + 6 * 44 + 130)
    assert pixels(picture.png).shape == (picture.height, picture.width, 3)
    assert Image.open(io.BytesIO(heat_map(grid(1, 1, None), columns(1), "alt").png)).size == hm.size(1, 1)


def test_changing_one_rating_changes_the_pixels_of_that_cell_only():
    rows = grid()
    before = pixels(heat_map(rows, columns(), "alt").png)
    changed = list(rows[4].cells)
    changed[5] = 1.0 if changed[5] != 1.0 else 4.0
    rows[4] = HeatRow(rows[4].label, tuple(changed))
    after = pixels(heat_map(rows, columns(), "alt").png)
    assert cell(before, 4, 5) != cell(after, 4, 5)
    differ = np.argwhere((before != after).any(axis=2))
    x0, y0 = hm.LEFT + 5 * hm.CELL_WIDTH, hm.TOP + 4 * hm.CELL_HEIGHT
    assert differ.size and all(y0 - 2 <= y <= y0 + hm.CELL_HEIGHT + 2 for y, _ in differ)
    assert all(x0 - 2 <= x <= x0 + hm.CELL_WIDTH + 2 for _, x in differ)


def test_an_unrated_cell_is_blank_and_a_rated_one_has_the_palette_colour():
    image = pixels(heat_map(grid(), columns(), "alt").png)
    assert cell(image, 2, 3) == (255, 255, 255)
    rating = 1 + (0 + 0) % 4
    expected = colormaps[canvas.HEAT_COLOURMAP]((rating - 1) / 3)[:3]
    assert np.allclose(cell(image, 0, 0), [round(255 * v) for v in expected], atol=3)
    assert cell(image, 0, 0) != (255, 255, 255)


def test_a_disagreement_is_outlined():
    rows = grid(hole=None)
    outlined = pixels(heat_map(rows, columns(), "alt").png)
    plain = pixels(heat_map([HeatRow(r.label, r.cells) for r in rows], columns(), "alt").png)
    differ = np.argwhere((outlined != plain).any(axis=2))
    top, bottom = hm.TOP + 2 * hm.CELL_HEIGHT, hm.TOP + 3 * hm.CELL_HEIGHT
    assert differ.size and all(top - 4 <= y <= bottom + 4 for y, _ in differ)  # only around the third row


def _drawn(monkeypatch, module) -> list:
    """Keep each figure a chart function draws, to read its texts back."""
    figures, real = [], module.png

    def keep(fig):
        figures.append(fig)
        return real(fig)

    monkeypatch.setattr(module, "png", keep)
    return figures


def test_hostile_labels_are_drawn_as_typed_never_as_mathtext(monkeypatch):
    figures = _drawn(monkeypatch, hm)
    rows = [HeatRow(label, (1.0, None)) for label in [*HOSTILE, "x^2"]]
    heat_map(rows, ["$y$", "<@U123|x>"], "alt")
    [fig] = figures
    renderer = fig.canvas.get_renderer()
    labels = {t.get_text(): t for t in fig.axes[0].get_yticklabels()}
    assert "$x^2$" in labels and "<!channel>" in labels and "$\\frac{" in labels
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["$y$", "<@U123|x>"]
    assert max(len(label) for label in labels) == hm.ROW_LABEL_MAX  # long names are cut
    # As mathtext, "$x^2$" would draw as x² (narrower than the three characters "x^2").
    width = {text: label.get_window_extent(renderer).width for text, label in labels.items()}
    assert width["$x^2$"] > width["x^2"]


def _summary():
    """U1 rated data pipelines in two stages (3 and 2), U2 once (4): a spread of two."""
    cards = [
        card("U1", "coding_round", software_engineering=1, data_pipelines=3),
        card("U2", "ml_system_design", data_pipelines=4),
        card("U1", "ml_system_design", data_pipelines=2),
    ]
    return summarize(loop(cards), PACK)


def test_the_pre_read_heat_map_has_a_row_per_competency_and_a_column_per_interviewer(monkeypatch):
    figures = _drawn(monkeypatch, hm)
    picture = pre_read_heat_map(_summary(), {"U1": "Priya $x^2$", "U2": "<!channel>"})
    assert (picture.width, picture.height) == hm.size(len(PACK.competencies), 2)
    [fig] = figures
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Priya $x^2$", "<!channel>"]
    # U1 rated data pipelines twice (3 and 2): the cell shows their mean.
    assert "2.5" in [t.get_text() for t in fig.axes[0].texts]


def test_the_alt_text_says_every_rating_by_name_and_names_the_disagreements():
    picture = pre_read_heat_map(_summary(), {"U1": "Priya Raman", "U2": "Omar <!channel>"})
    alt = picture.alt_text
    assert alt.startswith(
        "Heat map of ratings on the 1 to 4 scale (darker is lower): 9 competencies by 2 interviewers."
    )
    pipelines = PACK.competency("data_pipelines").name
    assert f"{pipelines}: Priya Raman 3, Omar <!channel> 4, Priya Raman 2." in alt
    assert f"Outlined, the panel disagrees on: {pipelines}." in alt  # 2 to 4: two points apart
    assert "Not rated by anyone:" in alt and len(alt) <= hm.ALT_TEXT_MAX


def test_the_alt_text_fits_slacks_limit_however_big_the_panel():
    cards = [card(f"U{n}", "coding_round", software_engineering=1 + n % 4) for n in range(200)]
    alt = pre_read_heat_map(summarize(loop(cards), PACK), {f"U{n}": "N" * 80 for n in range(200)}).alt_text
    assert len(alt) == hm.ALT_TEXT_MAX and alt.endswith("…")


def test_loop_ages_are_drawn_against_the_target_band():
    loops = [LoopAge(f"Candidate {n}", days) for n, days in enumerate([3, 20, 31, 44, 60])]
    picture = loop_ages(loops, (4, 6))
    assert (picture.width, picture.height) == dashboard.size(5)
    assert pixels(picture.png).shape == (picture.height, picture.width, 3)
    assert picture.alt_text == (
        "Bar chart of 5 open loops by days open, against a target of 28 to 42 days: 3 within 42 days, 2 over. "
        "The oldest is 60 days."
    )
    older = loop_ages([*loops[:2], LoopAge("Candidate 2", 50), *loops[3:]], (4, 6))
    assert not np.array_equal(pixels(picture.png), pixels(older.png))


def test_loop_ages_show_the_oldest_and_say_how_many_were_left_out(monkeypatch):
    figures = _drawn(monkeypatch, dashboard)
    loops = [LoopAge(HOSTILE[n % len(HOSTILE)], n) for n in range(dashboard.MAX_LOOPS + 5)]
    picture = loop_ages(loops, (4, 6))
    assert picture.height == dashboard.size(dashboard.MAX_LOOPS)[1]
    assert f"(oldest {dashboard.MAX_LOOPS} of {dashboard.MAX_LOOPS + 5})" in picture.title
    labels = [t.get_text() for t in figures[0].axes[0].get_yticklabels()]
    assert "$x^2$" in labels and "<!channel>" in labels
    assert loop_ages([], (4, 6)).alt_text.startswith("Bar chart of 0 open loops")


def _agreement(name: str, alpha: float | None, verdict: Verdict | None = None) -> Agreement:
    return Agreement(name, "ordinal", alpha, 12, 30, 6, verdict or verdict_for(alpha or 0))


def test_alpha_per_competency_against_the_thresholds():
    rows = [
        _agreement("Coding", 0.85),
        _agreement("Design", 0.70),
        _agreement("Comms <!channel>", -0.2),
        _agreement("$x^2$", None, Verdict.NOT_ENOUGH_DATA),
    ]
    picture = agreement(rows)
    assert (picture.width, picture.height) == dashboard.size(4)
    assert picture.alt_text == (
        "Bar chart of Krippendorff's alpha for 4 competencies, against 0.80 (reliable) and 0.667 (tentative). "
        "Reliable: Coding 0.85. Tentative: Design 0.70. Unreliable: Comms <!channel> -0.20. "
        "Not enough data: $x^2$. Anchors that need work: Comms <!channel>."
    )
    lower = agreement([_agreement("Coding", 0.5), *rows[1:]])
    assert not np.array_equal(pixels(picture.png), pixels(lower.png))
    assert agreement([]).alt_text.startswith("Bar chart of Krippendorff's alpha for 0 competencies")


@pytest.mark.parametrize("bad", [[], [HeatRow("a", (1.0,))]])
def test_a_heat_map_needs_cells_that_match_its_columns(bad):
    with pytest.raises(ValueError):
        heat_map(bad, [] if not bad else ["x", "y"], "alt")


@pytest.mark.parametrize(
    "draw",
    [
        lambda: heat_map(grid(), columns(), "alt"),
        lambda: loop_ages([LoopAge(f"Candidate {n}", n * 3) for n in range(12)], (4, 6)),
        lambda: agreement([_agreement("Coding", 0.85), _agreement("Design", 0.5)]),
    ],
    ids=["heat map", "loop ages", "agreement"],
)
def test_a_drawings_figure_is_freed_when_it_returns(draw):
    """A figure is all reference cycles: left to the collector, which a web worker runs seldom,
    each drawing stayed in memory for a while and the worker grew (bot/charts/canvas.py)."""
    from matplotlib.figure import Figure

    draw()  # fonts and colour maps load once
    gc.disable()  # as good as a web worker's rare full collections
    try:
        gc.collect()
        assert draw().png
        alive = [o for o in gc.get_objects() if isinstance(o, Figure)]
    finally:
        gc.enable()
    assert alive == []


def test_a_figure_is_started_only_inside_a_drawn_function():
    """A new drawing function that forgot `@drawn` fails here and in its own tests, rather than
    leaving its figures for a collection a web worker seldom runs."""
    from bot.charts.canvas import drawn, figure, png

    with pytest.raises(RuntimeError, match="@drawn"):
        with figure(40, 20):
            pass

    @drawn
    def outer() -> bytes:
        return inner()

    @drawn
    def inner() -> bytes:
        with figure(40, 20) as fig:
            return png(fig)

    assert outer().startswith(b"\x89PNG")
    with pytest.raises(RuntimeError, match="@drawn"):  # the count came back to zero
        with figure(40, 20):
            pass


def test_the_web_process_does_not_import_matplotlib():
    """Drawing happens after the ack, in background jobs: importing the app costs no matplotlib."""
    code = "import bot.app, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
