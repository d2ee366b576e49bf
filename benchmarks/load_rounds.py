"""The load benchmark's verdicts over several rounds (load.py --rounds N).

One pair of runs on a shared 2-core machine is a noisy reading: on one machine, runs of the
same code gave ratios from 0.27x to 0.45x (benchmarks/HISTORY.md). So each round runs the bare
app and then hirebot on the same seeded database, the rounds alternate, and the verdicts take
the median round's ratio, the worst round's p99 and every round's errors.
"""

from __future__ import annotations

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

    @property
    def ratio(self) -> float:
        return self.hirebot.throughput / self.bare.throughput if self.bare.throughput else float("nan")

    @property
    def errors(self) -> int:
        return self.bare.errors + self.hirebot.errors


def median_round(rounds: Sequence[Round]) -> Round:
    """The round whose ratio is the median (the lower middle of an even count): a real pair of
    runs, so that its other figures belong together."""
    ordered = sorted(rounds, key=lambda r: r.ratio)
    return ordered[(len(ordered) - 1) // 2]


def rounds_table(rounds: Sequence[Round]) -> list[str]:
    header = (
        f"{'round':<7}{'bare req/s':>11}{'hirebot req/s':>15}{'ratio':>8}{'p99 ms bare/hirebot':>22}"
        f"{'workers ms/req bare/hirebot':>29}{'errors':>8}"
    )
    lines = [header, "-" * len(header)]
    for n, r in enumerate(rounds, 1):
        lines.append(
            f"{n:<7}{r.bare.throughput:>11.1f}{r.hirebot.throughput:>15.1f}{r.ratio:>7.2f}x"
            f"{r.bare.p(0.99):>12.1f} / {r.hirebot.p(0.99):<7.1f}"
            f"{r.bare.cpu_ms('workers'):>19.2f} / {r.hirebot.cpu_ms('workers'):<7.2f}{r.errors:>8}"
        )
    if len(rounds) > 1:
        ratios = [r.ratio for r in rounds]
        lower = "the lower middle of an even count; " if len(rounds) % 2 == 0 else ""
        lines.append(
            f"median ratio {median_round(rounds).ratio:.2f}x ({lower}range {min(ratios):.2f}x to {max(ratios):.2f}x "
            f"over {len(rounds)} rounds)"
        )
    return lines


def verdicts(rounds: Sequence[Round]) -> list[str]:
    """The goals, judged on the median round's throughput, the worst p99 and all the errors."""
    middle = median_round(rounds)
    ratio = middle.ratio
    worst = max(rounds, key=lambda r: r.hirebot.p(0.99))
    p99 = worst.hirebot.p(0.99)
    errors = sum(r.errors for r in rounds)
    hirebot_errors = sum(r.hirebot.errors for r in rounds)
    which = f"the median of {len(rounds)} rounds" if len(rounds) > 1 else "one round"
    worst_of = f", the worst of {len(rounds)} rounds" if len(rounds) > 1 else ""
    return [
        f"  throughput hirebot/bare  {middle.hirebot.throughput:.1f} / {middle.bare.throughput:.1f} req/s = "
        f"{ratio:.2f}x ({which})   goal >= {GOALS['ratio']}x   {'met' if ratio >= GOALS['ratio'] else 'MISSED'}",
        f"  hirebot p99              {p99:.1f} ms (bare {worst.bare.p(0.99):.1f} ms{worst_of})"
        f"   goal < {GOALS['p99_ms']:.0f} ms   {'met' if p99 < GOALS['p99_ms'] else 'MISSED'}",
        f"  errors                   {errors} (hirebot {hirebot_errors}, bare {errors - hirebot_errors})   goal 0   "
        f"{'met' if not errors else 'MISSED'}",
    ]
