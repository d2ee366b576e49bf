"""How long hirebot's pictures take to draw, and what matplotlib costs at import.

    .venv/bin/python benchmarks/charts.py

Draws the pre-read's heat map for grids of 6x8 and 9x12 (competencies by interviewers) and
the dashboard's two charts for 40 rows, 20 times each after one warm-up, and prints the
median and fastest. Also times `import bot.app` with and without matplotlib in a fresh
interpreter: the web process must not pay for it. Exits 0 whatever the numbers are.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.charts import HeatRow, LoopAge, agreement, heat_map, loop_ages  # noqa: E402
from bot.services.agreement import Agreement, verdict_for  # noqa: E402

RUNS = 20


def grid(rows: int, columns: int) -> Callable[[], object]:
    cells = [
        HeatRow(
            f"Competency {r}",
            tuple(None if (r * c) % 7 == 3 else float((r + c) % 4 + 1) for c in range(columns)),
            r == 2,
        )
        for r in range(rows)
    ]
    names = [f"Interviewer {c}" for c in range(columns)]
    return lambda: heat_map(cells, names, "alt")


def timed(draw: Callable[[], object]) -> tuple[float, float]:
    draw()  # warm-up: fonts and the colour map load once per process
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        draw()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def import_seconds(code: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    alphas = [Agreement(f"C{n}", "ordinal", a, 12, 30, 6, verdict_for(a)) for n, a in enumerate([0.5, 0.7, 0.9] * 13)]
    cases = {
        "heat map 6x8": grid(6, 8),
        "heat map 9x12": grid(9, 12),
        "loop ages, 40 loops": lambda: loop_ages([LoopAge(f"Loop {n}", n * 2) for n in range(40)], (4, 6)),
        "alpha, 39 competencies": lambda: agreement(alphas),
    }
    print(f"{'picture':<24} {'median ms':>10} {'fastest ms':>11}")
    for name, draw in cases.items():
        median, fastest = timed(draw)
        print(f"{name:<24} {median:>10.0f} {fastest:>11.0f}")
    app = import_seconds("import bot.app, sys; assert 'matplotlib' not in sys.modules")
    with_mpl = import_seconds("import bot.app, matplotlib.figure, matplotlib.backends.backend_agg")
    print(f"import bot.app: {app:.2f} s (matplotlib not imported); with matplotlib: {with_mpl:.2f} s")


if __name__ == "__main__":
    main()
