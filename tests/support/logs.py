"""What must never reach a log: the personal data a test typed in, and the secrets."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Candidate, RaisedRedFlag, Rating, Scorecard, ScorecardDraft, SealedVote
from db.session import Database

# Shorter strings ("Yes", a stage key) can appear in a log for innocent reasons.
MIN_LENGTH = 6


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def personal_data(db: Database) -> set[str]:
    """Every candidate name, scorecard note and evidence, rationale, override, vote reason and
    draft text stored."""
    with db.transaction() as session:
        found = [
            *session.scalars(select(Candidate.name)),
            *session.scalars(select(Candidate.decision_rationale)),
            *session.scalars(select(Candidate.override_reason)),
            *session.scalars(select(SealedVote.reason)),
            *session.scalars(select(Scorecard.notes)),
            *session.scalars(select(Rating.evidence)),
            *session.scalars(select(RaisedRedFlag.evidence)),
        ]
        for values in session.scalars(select(ScorecardDraft.values)):
            found.extend(_strings(values))
    return {s for s in found if s and len(s.strip()) >= MIN_LENGTH}


def assert_not_logged(caplog: pytest.LogCaptureFixture, secrets: set[str]) -> None:
    """Checked in a fixture's teardown: the records of the test's setup and call phases,
    each as a handler would write it (message and traceback)."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    logged = "\n".join(formatter.format(record) for record in records)
    leaked = sorted(s for s in secrets if s in logged)
    assert not leaked, f"{len(leaked)} personal or secret strings reached the logs, e.g. {leaked[0][:12]!r}…"
