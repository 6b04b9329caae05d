"""The nudge rules, table-driven: when a week's nudge is due (the service claims the week)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.nudges import detractors_rose, tough_waiting, wins_unnoticed

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("before", "after", "due"),
    [((10, 100), (35, 100), True), ((10, 60), (14, 60), False), ((30, 100), (10, 100), False), ((0, 0), (9, 9), False)],
)
def test_detractors_rose(before: tuple[int, int], after: tuple[int, int], due: bool) -> None:
    assert detractors_rose(before, after) is due


@pytest.mark.parametrize(
    ("oldest", "due"),
    [(None, False), (NOW - timedelta(weeks=4), True), (NOW - timedelta(weeks=4) + timedelta(hours=1), False)],
)
def test_wins_unnoticed(oldest: datetime | None, due: bool) -> None:
    assert wins_unnoticed(oldest, NOW) is due


@pytest.mark.parametrize(
    ("reminded", "today", "acknowledged", "due"),
    [
        (date(2026, 3, 3), date(2026, 3, 3), False, False),  # the reminder's own day: told once a day
        (date(2026, 3, 3), date(2026, 3, 4), False, True),
        (date(2026, 3, 3), date(2026, 3, 4), True, False),
        (None, date(2026, 3, 4), False, False),  # no reminder yet
        (date(2026, 3, 6), date(2026, 3, 7), False, False),  # a Saturday waits for Monday
        (date(2026, 3, 6), date(2026, 3, 9), False, True),
    ],
)
def test_tough_waiting(reminded: date | None, today: date, acknowledged: bool, due: bool) -> None:
    assert tough_waiting(reminded, today, acknowledged) is due
