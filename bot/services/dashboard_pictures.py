"""The recruiter dashboard's two pictures (loop age against the target, alpha per competency against
its thresholds): drawn, uploaded and shown by file id, one set for every recruiter.

- Only after the ack: Homes are published from background work (handlers/home.py, the event bus).
- Not on every refresh: each chart keeps the digest of the numbers it was drawn from and its file
  id, and is drawn and uploaded again only when those numbers change.
- The file ids live in this process's memory. After a restart the first refresh uploads the two
  charts again; the files of the previous process stay (only the bot can see them) until deleted.
- A replaced file is deleted only after every recruiter's Home has been republished without it
  (`discard_replaced`), so no Home is left pointing at a deleted picture.
- The pictures are a nicety: a drawing error or a failed or timed-out upload leaves the chart out
  of the Home, and the next refresh tries again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.errors import SlackError
from bot.services.dashboard import Chart, Dashboard
from bot.services.ports import Gateway, Picture, Renderer, SlackImage

log = logging.getLogger(__name__)

# No candidate name in a file name: the files are not tied to a loop and outlive its purge.
FILENAMES = {Chart.LOOP_AGES: "dashboard-loop-ages.png", Chart.AGREEMENT: "dashboard-agreement.png"}
DEFAULT_TARGET = (4, 6)


@dataclass(frozen=True)
class Charts:
    """What the dashboard shows now, and whether replaced files wait for `discard_replaced`."""

    images: dict[Chart, SlackImage] = field(default_factory=dict)
    replaced: bool = False


def chart_inputs(board: Dashboard) -> dict[Chart, tuple[Any, ...]]:
    """The numbers each chart is drawn from (and hashed from); a chart with nothing to draw is absent."""
    inputs: dict[Chart, tuple[Any, ...]] = {}
    if board.open_loops:
        ages = tuple((loop.name, loop.days_open) for loop in board.open_loops)
        inputs[Chart.LOOP_AGES] = (ages, board.open_loops[0].target_weeks or DEFAULT_TARGET)
    if board.agreement:
        inputs[Chart.AGREEMENT] = (tuple(board.agreement),)
    return inputs


def digest(data: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(data).encode()).hexdigest()


class DashboardPictures:
    def __init__(self, slack: Gateway, render: Renderer):
        self.slack, self.render = slack, render
        self._lock = threading.Lock()  # two refreshes at once must not upload the same chart twice
        self._shown: dict[Chart, tuple[str, SlackImage]] = {}
        self._replaced: list[str] = []

    def current(self, board: Dashboard) -> Charts:
        """The pictures for this dashboard: the ones already uploaded when their numbers are the same."""
        inputs = chart_inputs(board)
        keys = {chart: digest(data) for chart, data in inputs.items()}
        with self._lock:
            for chart in Chart:
                if chart not in inputs:
                    self._drop(chart)
                elif chart not in self._shown or self._shown[chart][0] != keys[chart]:
                    image = self._upload(chart, inputs[chart])
                    if image is not None:  # else the old one stays on record, to be replaced next time
                        self._drop(chart)
                        self._shown[chart] = (keys[chart], image)
            # A chart whose new numbers could not be uploaded is left out rather than shown stale.
            images = {chart: image for chart, (key, image) in self._shown.items() if keys.get(chart) == key}
            return Charts(images, bool(self._replaced))

    def _drop(self, chart: Chart) -> None:
        old = self._shown.pop(chart, None)
        if old is not None:
            self._replaced.append(old[1].file_id)

    def _upload(self, chart: Chart, data: tuple[Any, ...]) -> SlackImage | None:
        draw: Callable[..., Picture] = (
            self.render.loop_age_chart if chart is Chart.LOOP_AGES else self.render.agreement_chart
        )
        try:
            picture = draw(*data)
        except Exception as exc:  # a drawing bug must not stop the Home; its message may quote names
            log.error("dashboard chart %s not drawn: %s", chart.value, type(exc).__name__)
            return None
        try:
            file_id = self.slack.upload_image(FILENAMES[chart], picture.png, picture.title, picture.alt_text)
        except SlackError as exc:
            log.warning("dashboard chart %s not uploaded (%s); the Home goes without it", chart.value, exc.code)
            return None
        return SlackImage(file_id, picture.alt_text, picture.title)

    def discard_replaced(self) -> None:
        """Delete the files no Home shows any more. Failing leaves a file only the bot can see."""
        with self._lock:
            replaced, self._replaced = self._replaced, []
        for file_id in replaced:
            try:
                self.slack.delete_file(file_id)
            except SlackError as exc:
                log.warning("an old dashboard chart was not deleted: %s", exc.code)
