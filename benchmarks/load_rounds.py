"""The load benchmark's verdicts over several rounds (load.py --rounds N).

One pair of runs on a shared 2-core machine is a noisy reading: on one machine, runs of the
same code gave ratios from 0.27x to 0.45x (benchmarks/HISTORY.md). So each round runs the bare
app, the storing app and then hirebot on the same seeded database, the rounds alternate, and the
verdicts take the median round's ratio, the worst round's p99 and every round's errors.

The storing app (bare_app.py) is not a goal: it shows what storing each submission before its
ack costs a Bolt app written the plain way on this machine, so that hirebot's ratio to the bare
app can be read, roughly, as that cost and hirebot's own beyond it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

GOALS = {"ratio": 0.5, "p99_ms": 100.0}


class Run(Protocol):
    """What a round needs of one app's timed run (load.Phase)."""

    @property
    def throughput(self) -> float: ...

    @property
    def errors(self) -> int: ...

    def p(self, q: float, kind: str | None = None) -> float: ...

    def cpu_ms(self, who: str) -> float: ...


@dataclass(frozen=True)
class Round:
    bare: Run
    hirebot: Run
    storing: Run | None = None

    @property
    def ratio(self) -> float:
        return _ratio(self.hirebot, self.bare)

    @property
    def storing_ratio(self) -> float:
        """The storing app's throughput over the bare app's: what storing costs."""
        return _ratio(self.storing, self.bare) if self.storing is not None else float("nan")

    @property
    def beside_storing(self) -> float:
        """hirebot's throughput over the storing app's: what hirebot's own rules cost beyond storing."""
        return _ratio(self.hirebot, self.storing) if self.storing is not None else float("nan")

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    @property
    def runs(self) -> list[Run]:
        return [run for run in (self.bare, self.storing, self.hirebot) if run is not None]


def _ratio(run: Run, baseline: Run) -> float:
    return run.throughput / baseline.throughput if baseline.throughput else float("nan")


def median_round(rounds: Sequence[Round]) -> Round:
    """The round whose ratio is the median (the lower middle of an even count): a real pair of
    runs, so that its other figures belong together."""
    ordered = sorted(rounds, key=lambda r: r.ratio)
    return ordered[(len(ordered) - 1) // 2]


def _with_storing(rounds: Sequence[Round]) -> bool:
    return bool(rounds) and all(r.storing is not None for r in rounds)


def _median_of(rounds: Sequence[Round]) -> str:
    return f"the median of {len(rounds)} rounds" if len(rounds) > 1 else "one round"


def rounds_table(rounds: Sequence[Round]) -> list[str]:
    storing = _with_storing(rounds)
    header = f"{'round':<7}{'bare req/s':>11}"
    header += f"{'storing req/s':>15}" if storing else ""
    header += f"{'hirebot req/s':>15}{'ratio':>8}"
    header += f"{'storing/bare':>14}{'hirebot/storing':>17}" if storing else ""
    header += f"{'p99 ms bare/hirebot':>22}{'workers ms/req bare/hirebot':>29}{'errors':>8}"
    lines = [header, "-" * len(header)]
    for n, r in enumerate(rounds, 1):
        line = f"{n:<7}{r.bare.throughput:>11.1f}"
        if storing:
            line += f"{r.storing.throughput:>15.1f}"  # type: ignore[union-attr]
        line += f"{r.hirebot.throughput:>15.1f}{r.ratio:>7.2f}x"
        if storing:
            line += f"{r.storing_ratio:>13.2f}x{r.beside_storing:>16.2f}x"
        line += (
            f"{r.bare.p(0.99):>12.1f} / {r.hirebot.p(0.99):<7.1f}"
            f"{r.bare.cpu_ms('workers'):>19.2f} / {r.hirebot.cpu_ms('workers'):<7.2f}{r.errors:>8}"
        )
        lines.append(line)
    if len(rounds) > 1:
        ratios = [r.ratio for r in rounds]
        lower = "the lower middle of an even count; " if len(rounds) % 2 == 0 else ""
        lines.append(
            f"median ratio {median_round(rounds).ratio:.2f}x ({lower}range {min(ratios):.2f}x to {max(ratios):.2f}x "
            f"over {len(rounds)} rounds)"
        )
    return lines


def storing_lines(rounds: Sequence[Round]) -> list[str]:
    """Beside the storing app, not a goal: the median of each ratio over the rounds."""
    if not _with_storing(rounds):
        return []
    share = statistics.median(r.storing_ratio for r in rounds)
    beside = statistics.median(r.beside_storing for r in rounds)
    over = _median_of(rounds)
    return [
        f"  storing/bare             {share:.2f}x ({over}): a Bolt app storing each submission before its ack",
        f"  hirebot/storing          {beside:.2f}x ({over}): hirebot beside that app; neither is a goal",
    ]


def verdicts(rounds: Sequence[Round]) -> list[str]:
    """The goals, judged on the median round's throughput, the worst p99 and all the errors."""
    middle = median_round(rounds)
    ratio = middle.ratio
    worst = max(rounds, key=lambda r: r.hirebot.p(0.99))
    p99 = worst.hirebot.p(0.99)
    errors = sum(r.errors for r in rounds)
    which = _median_of(rounds)
    worst_of = f", the worst of {len(rounds)} rounds" if len(rounds) > 1 else ""
    return [
        f"  throughput hirebot/bare  {middle.hirebot.throughput:.1f} / {middle.bare.throughput:.1f} req/s = "
        f"{ratio:.2f}x ({which})   goal >= {GOALS['ratio']}x   {'met' if ratio >= GOALS['ratio'] else 'MISSED'}",
        f"  hirebot p99              {p99:.1f} ms (bare {worst.bare.p(0.99):.1f} ms{worst_of})"
        f"   goal < {GOALS['p99_ms']:.0f} ms   {'met' if p99 < GOALS['p99_ms'] else 'MISSED'}",
        f"  errors                   {errors} ({_errors_by_app(rounds)})   goal 0   "
        f"{'met' if not errors else 'MISSED'}",
    ]


def _errors_by_app(rounds: Sequence[Round]) -> str:
    counts = {"hirebot": sum(r.hirebot.errors for r in rounds), "bare": sum(r.bare.errors for r in rounds)}
    if _with_storing(rounds):
        counts["storing"] = sum(r.storing.errors for r in rounds)  # type: ignore[union-attr]
    return ", ".join(f"{app} {n}" for app, n in counts.items())
