"""Manager nudges: when a closed round shows a need dropping beyond noise, and which suggested action
from the bank (bot/i18n/parts/nudges.py, five per need) goes with it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.domain.report import NeedResult

SUGGESTIONS_PER_NEED = 5
SNOOZE_DAYS = 28


def dropped_needs(needs: Sequence[NeedResult]) -> list[NeedResult]:
    """Needs shown (not suppressed) whose change is negative and beyond noise, the largest drop first."""
    dropped = [n for n in needs if not n.suppressed and n.beyond_noise and n.change is not None and n.change < 0]
    return sorted(dropped, key=lambda n: n.change or 0.0)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def suggestion_key(need: str, day: date) -> str:
    """A suggestion that changes week by week, so a second nudge on the same need offers another idea."""
    index = day.isocalendar().week % SUGGESTIONS_PER_NEED + 1
    return f"nudge.suggest.{need}.{index}"
