"""What every hirebot picture shares: matplotlib's Agg canvas, a fixed pixel size, the palette,
and labels that stay text.

matplotlib is imported only inside the drawing functions (here and in the charts), never at
module level: no ack draws (a web worker draws the recruiters' dashboard after the ack, and
only when its numbers changed), and importing it costs about a third of a second that an ack
does not need (tests/unit/test_charts.py checks that the app imports none of it).

Each picture is its own `Figure` on its own `FigureCanvasAgg`, so pyplot's global figure
manager is never touched; matplotlib still keeps process-wide caches (fonts, mathtext), so the
drawing itself is done under one lock. A heat map takes tens of milliseconds.

A figure is a web of reference cycles (figure, canvas, axes, artists, callbacks), so it outlives
its drawing until a full collection, and a web worker runs few of those (bot/memory.py): one
drawing after another then grew a worker by megabytes each, 146 to 221 MB over 50 pairs of the
dashboard's charts, and the soak saw a step at each redraw. So each drawing function is `drawn`:
a full collection once it returns (10-15 ms, after the ack like the drawing) left the same 50
pairs at 141 to 145 MB. `figure()` refuses to start a figure outside a `drawn` function.
"""

from __future__ import annotations

import functools
import gc
import io
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

DPI = 100
_lock = threading.Lock()
P = ParamSpec("P")
R = TypeVar("R")

# Okabe & Ito (2008), "Color Universal Design": eight colours told apart by people with any of
# the common colour-vision deficiencies. Named for what each picture uses them for.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
# The heat map's scale: cividis (Nuñez, Anderton & Renslow 2018) was designed to read the same
# with and without colour-vision deficiency, and its lightness rises steadily from low to high.
HEAT_COLOURMAP = "cividis"
TEXT_MAX = 40  # a label longer than this is cut with an ellipsis, so one name cannot crowd the rest


def short(label: str, limit: int = TEXT_MAX) -> str:
    """One line of at most `limit` characters: what a person typed, whitespace folded."""
    flat = " ".join(label.split()) or "?"
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def literal(texts: Iterable[Text]) -> None:
    """Draw these texts as typed: '$x^2$' stays five characters, never becomes mathtext."""
    for text in texts:
        text.set_parse_math(False)
        text.set_usetex(False)


# How many `drawn` functions this thread is inside: figure() is refused outside one.
_drawing = threading.local()


def drawn(draw: Callable[P, R]) -> Callable[P, R]:
    """A drawing function whose figure is freed when it returns, not at some later collection."""

    @functools.wraps(draw)
    def drawing(*args: P.args, **kwargs: P.kwargs) -> R:
        _drawing.depth = getattr(_drawing, "depth", 0) + 1
        try:
            return draw(*args, **kwargs)
        finally:
            _drawing.depth -= 1
            if not _drawing.depth:
                gc.collect()  # its frame is gone: the figure is unreachable, cycles and all

    return drawing


@contextmanager
def figure(width_px: int, height_px: int) -> Iterator[Figure]:
    """A blank figure of exactly this many pixels, drawn on Agg, under the drawing lock.

    Only inside a `drawn` function: the collection that frees the figure runs when that function
    returns, and it cannot run here, because the caller still holds the figure when this block
    ends. Refusing it elsewhere makes a drawing function that forgot `@drawn` fail in its tests,
    not grow a worker in production."""
    if not getattr(_drawing, "depth", 0):
        raise RuntimeError("figure() outside a @drawn function: nothing would free its figure")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _lock, warnings.catch_warnings():
        # A name in a script the font lacks draws as boxes; the warning would name its characters.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        yield fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes at its own size (no tight bounding box: the size is the contract)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def box(fig: Figure, left: int, bottom: int, width: int, height: int) -> tuple[float, float, float, float]:
    """A rectangle given in pixels from the figure's bottom-left, as matplotlib's fractions."""
    fig_width, fig_height = fig.get_size_inches() * DPI
    return left / fig_width, bottom / fig_height, width / fig_width, height / fig_height


def text_colour(rgba: Any) -> str:
    """Black or white, whichever reads better on this fill (WCAG relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(c)) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.179 else "white"
