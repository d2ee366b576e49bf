"""Dashboard values for builder and service tests, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.agreement import Agreement, Verdict
from bot.services.dashboard import Dashboard, Decisions, NextStep, OpenLoop, Pace, Step, Timeliness
from bot.services.load import LoadReport, WeekLoad

NOW = datetime(2030, 3, 6, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> *Eve* <@U0BOSS|boss> & co"


def open_loop(name: str = "Ada Lovelace", days: int = 10, cid: int = 1) -> OpenLoop:
    state = Pace.PAST_MAX if days >= 42 else Pace.PAST_MIN if days >= 28 else Pace.ON_TRACK
    step = NextStep(Step.SCORECARDS, ("U0PRIYA001",))
    return OpenLoop(cid, name, f"C{cid:08d}", "U0RITA0001", days, (4, 6), state, step, 0)


def agreement_row(name: str = "Coding", alpha: float | None = 0.5, units: int = 12) -> Agreement:
    verdict = Verdict.NOT_ENOUGH_DATA if alpha is None else Verdict.UNRELIABLE if alpha < 0.667 else Verdict.RELIABLE
    return Agreement(name, "ordinal", alpha, units, units * 2, 3, verdict)


def board(loops: list[OpenLoop] | None = None, agreement: list[Agreement] | None = None) -> Dashboard:
    return Dashboard(
        now=NOW,
        window_days=90,
        open_loops=[open_loop()] if loops is None else loops,
        overdue=[],
        timeliness=Timeliness(None, 0, 0, 0, None),
        interviewers=[],
        stages=[],
        decisions=Decisions(0, 0, None),
        agreement=[agreement_row()] if agreement is None else agreement,
    )


def load(*rows: tuple[str, int, int]) -> LoadReport:
    """This week's load: (user, interviews, cap) per person."""
    monday = date(2030, 3, 4)
    return LoadReport(["2030-W10"], [WeekLoad(u, "2030-W10", monday, n, cap) for u, n, cap in rows], "Europe/London")
