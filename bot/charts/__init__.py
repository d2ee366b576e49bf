"""hirebot's pictures, drawn with matplotlib on its Agg canvas: pure functions from domain values
to PNG bytes with alt text (bot.services.ports.Picture). Nothing here talks to Slack."""

from bot.charts.dashboard import LoopAge, agreement, loop_ages
from bot.charts.heatmap import HeatRow, heat_map, pre_read_heat_map

__all__ = ["HeatRow", "LoopAge", "agreement", "heat_map", "loop_ages", "pre_read_heat_map"]
