"""Services wired with fakes for their ports: no Slack, no emulator, SQLite in memory."""

from __future__ import annotations

import pytest

from tests.support.domain import at
from tests.support.fakes import FakeWorld, MutableClock, fake_services


@pytest.fixture
def world() -> FakeWorld:
    # Monday morning in London: interviews planned this week fall in working hours.
    return fake_services(MutableClock(at("2030-03-04 09:00")))
