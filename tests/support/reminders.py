"""Moving the clock and sweeping the outbox, for tests that watch reminders go out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A London wall-clock time in March 2030 (6 March is a Wednesday)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)


def dms_to(bot, who: str) -> list[dict]:
    return [m for m in bot.client.all("chat.postMessage") if m["channel"] == bot.users[who]]


def sweep_at(bot, moment: str):
    bot.clock.set(at(moment))
    return bot.services.dispatcher.sweep()
