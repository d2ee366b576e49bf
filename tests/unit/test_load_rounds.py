"""The load benchmark's verdicts over rounds (benchmarks/load_rounds.py): the median round's
throughput, the worst round's p99, every round's errors."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.load_rounds import Round, median_round, rounds_table, storing_lines, verdicts


@dataclass
class FakeRun:
    throughput: float
    p99: float = 20.0
    errors: int = 0
    workers_ms: float = 1.0

    def p(self, q: float, kind: str | None = None) -> float:
        assert q == 0.99
        return self.p99

    def cpu_ms(self, who: str) -> float:
        return self.workers_ms


def _round(bare: float, hirebot: float, p99: float = 40.0, errors: int = 0) -> Round:
    return Round(FakeRun(bare), FakeRun(hirebot, p99=p99, errors=errors))


def test_the_median_round_is_a_real_pair_judged_by_its_ratio() -> None:
    rounds = [_round(1000, 300), _round(2000, 900), _round(1500, 600)]  # 0.30x, 0.45x, 0.40x
    assert median_round(rounds) is rounds[2]
    assert median_round(rounds[:2]) is rounds[0]  # an even count: the lower middle, never better than seen
    assert median_round(rounds[:1]) is rounds[0]


def test_throughput_is_judged_on_the_median_and_p99_on_the_worst_round() -> None:
    rounds = [_round(1000, 600, p99=30.0), _round(1000, 400, p99=120.0), _round(1000, 550, p99=50.0)]
    throughput, p99, errors = verdicts(rounds)
    assert "= 0.55x (the median of 3 rounds)" in throughput and throughput.endswith("met")
    assert "120.0 ms" in p99 and "the worst of 3 rounds" in p99 and p99.endswith("MISSED")
    assert errors.endswith("met")


def test_an_error_in_any_round_misses_the_goal() -> None:
    rounds = [_round(1000, 600), _round(1000, 600, errors=2), _round(1000, 600)]
    *_, errors = verdicts(rounds)
    assert errors.startswith("  errors                   2 (hirebot 2, bare 0)") and errors.endswith("MISSED")


def test_the_table_has_a_row_per_round_and_the_spread() -> None:
    lines = rounds_table([_round(1000, 300), _round(1000, 450)])
    assert len(lines) == 2 + 2 + 1
    assert "0.30x" in lines[2] and "0.45x" in lines[3]
    # The same median the verdicts judge: a round that was run, not the mean of two.
    assert lines[-1] == "median ratio 0.30x (the lower middle of an even count; range 0.30x to 0.45x over 2 rounds)"
    three = rounds_table([_round(1000, 300), _round(1000, 450), _round(1000, 400)])
    assert three[-1] == "median ratio 0.40x (range 0.30x to 0.45x over 3 rounds)"
    assert len(rounds_table([_round(1000, 300)])) == 3  # one round: no spread line


def _three(bare: float, storing: float, hirebot: float, storing_errors: int = 0) -> Round:
    return Round(FakeRun(bare), FakeRun(hirebot), FakeRun(storing, errors=storing_errors))


def test_the_storing_app_is_shown_beside_the_goal_and_never_judged_as_it() -> None:
    rounds = [_three(1000, 500, 400), _three(1000, 700, 420), _three(1000, 600, 300)]
    assert [round(r.storing_ratio, 2) for r in rounds] == [0.5, 0.7, 0.6]
    assert [round(r.beside_storing, 2) for r in rounds] == [0.8, 0.6, 0.5]
    share, beside = storing_lines(rounds)
    # Each ratio's own median over the rounds: 0.60x of the bare app, and hirebot 0.60x of it.
    assert "0.60x (the median of 3 rounds)" in share and "storing each submission" in share
    assert "0.60x (the median of 3 rounds)" in beside and "neither is a goal" in beside
    # The throughput goal is still hirebot against the bare app, on the median round (0.40x).
    throughput, *_ = verdicts(rounds)
    assert "= 0.40x" in throughput and throughput.endswith("MISSED")
    table = rounds_table(rounds)
    assert "storing req/s" in table[0] and "hirebot/storing" in table[0]
    assert "0.50x" in table[2] and "0.80x" in table[2]


def test_an_error_in_the_storing_app_is_an_error_of_the_run() -> None:
    *_, errors = verdicts([_three(1000, 500, 400, storing_errors=1)])
    assert errors.startswith("  errors                   1 (hirebot 0, bare 0, storing 1)") and errors.endswith(
        "MISSED"
    )


def test_rounds_without_the_storing_app_print_no_storing_lines() -> None:
    assert storing_lines([_round(1000, 400)]) == []
    assert "storing" not in rounds_table([_round(1000, 400)])[0]
