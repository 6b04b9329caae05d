"""The tough-moment rules: working days, supported in time, validation, and the k rule on the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.anonymity import Suppressed
from bot.domain.tough import (
    CHECKIN_COUNTED_DAYS,
    CHECKIN_SETTLED_DAYS,
    LESSON_MAX_CHARS,
    ToughCounts,
    add_working_days,
    checkin_countable,
    summarize,
    summary_json,
    supported_in_time,
    validate_lesson,
    validate_moment,
)

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=HELSINKI)  # 2 March 2026 is a Monday


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (local(2, 9), 1, local(3, 9)),  # Monday → Tuesday
        (local(2, 9), 2, local(4, 9)),  # Monday → Wednesday
        (local(6, 15), 1, local(9, 15)),  # Friday → Monday
        (local(5, 15), 2, local(9, 15)),  # Thursday → Monday
        (local(7, 10), 1, local(9, 10)),  # Saturday → Monday
        (local(8, 23), 1, local(9, 23)),  # Sunday late → Monday
        (local(2, 9), 0, local(2, 9)),
    ],
)
def test_add_working_days_skips_weekends(start: datetime, days: int, expected: datetime) -> None:
    assert add_working_days(start, days, HELSINKI) == expected


def test_add_working_days_keeps_local_time_over_the_dst_change() -> None:
    friday = datetime(2026, 3, 27, 9, 0, tzinfo=HELSINKI)  # clocks go forward on Sunday 29 March
    moved = add_working_days(friday.astimezone(UTC), 1, HELSINKI)
    assert moved.astimezone(HELSINKI) == datetime(2026, 3, 30, 9, 0, tzinfo=HELSINKI)
    assert moved.tzinfo == UTC


@pytest.mark.parametrize(
    ("created", "acknowledged", "in_time"),
    [
        (local(2, 9), local(3, 9), True),
        (local(2, 9), local(3, 10), False),
        (local(6, 15), local(9, 14), True),  # Friday afternoon, acknowledged on Monday
    ],
)
def test_supported_in_time(created: datetime, acknowledged: datetime, in_time: bool) -> None:
    assert supported_in_time(created, acknowledged, HELSINKI) is in_time


@pytest.mark.parametrize(
    ("option", "what", "managers", "errors"),
    [
        ("note", None, [], set()),
        ("lesson", "", [], set()),
        ("talk", "hard day", ["U1"], set()),
        ("talk", None, [], {"managers"}),
        (None, None, [], {"help"}),
        ("shout", None, [], {"help"}),
        ("note", "x" * 1501, [], {"what"}),
    ],
)
def test_validate_moment(option: str | None, what: str | None, managers: list[str], errors: set[str]) -> None:
    assert set(validate_moment(option, what, managers)) == errors


@pytest.mark.parametrize(
    ("lesson", "error_key"),
    [
        ("Listen first.", None),
        ("   ", "tough.error.lesson_empty"),
        ("x" * (LESSON_MAX_CHARS + 1), "tough.error.lesson_too_long"),
    ],
)
def test_validate_lesson(lesson: str, error_key: str | None) -> None:
    errors = validate_lesson(lesson)
    assert (errors["lesson"][0] if errors else None) == error_key


@pytest.mark.parametrize(
    ("counts", "k", "expected"),
    [
        # Below k moments: nothing at all, not even the count of requests.
        (ToughCounts(moments=4, talks=4, supported_in_time=4), 5, {"suppressed": True}),
        (ToughCounts(), 5, {"suppressed": True}),
        # k moments, but fewer than k talk requests or check-in answers: those shares stay hidden.
        (
            ToughCounts(moments=6, talks=2, supported_in_time=2, checkin_yes=1),
            5,
            {
                "count": 6,
                "supported_within_a_working_day_percent": {"suppressed": True},
                "checkin_yes_percent": {"suppressed": True},
            },
        ),
        (
            ToughCounts(moments=7, talks=5, supported_in_time=4, checkin_yes=3, checkin_no=2),
            5,
            {"count": 7, "supported_within_a_working_day_percent": 80.0, "checkin_yes_percent": 60.0},
        ),
        (
            ToughCounts(moments=5),
            5,
            {"count": 5, "supported_within_a_working_day_percent": None, "checkin_yes_percent": None},
        ),
        (
            ToughCounts(moments=3, talks=3, supported_in_time=1, checkin_no=3),
            3,
            {"count": 3, "supported_within_a_working_day_percent": 33.3, "checkin_yes_percent": 0.0},
        ),
    ],
)
def test_summary_follows_the_k_rule(counts: ToughCounts, k: int, expected: dict[str, object]) -> None:
    assert summary_json(summarize(counts, k)) == expected


def test_suppressed_summary_hides_every_part() -> None:
    summary = summarize(ToughCounts(moments=2, talks=2), 5)
    assert all(isinstance(part, Suppressed) for part in (summary.moments, summary.supported_share))


@pytest.mark.parametrize(
    ("days_after", "counted"),
    [(0, True), (9, True), (11, True), (12, True), (13, False), (14, False), (30, False)],
)
def test_a_check_in_answer_is_counted_only_while_its_day_cannot_be_shown(days_after: int, counted: bool) -> None:
    """Counted when its request is forgotten (normally 9-11 days on); never once a report may show the day."""
    moment = date(2026, 3, 2)
    assert checkin_countable(moment, moment + timedelta(days=days_after)) is counted
    assert CHECKIN_COUNTED_DAYS + 1 < CHECKIN_SETTLED_DAYS  # a day apart between time zones still leaves one
