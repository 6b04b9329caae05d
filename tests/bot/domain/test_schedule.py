from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.schedule import (
    DEFAULT,
    Schedule,
    ScheduleError,
    local_send_time,
    next_open_date,
    next_round_date,
    parse_schedule,
    parse_time,
    reminder_time,
    render_schedule,
    resolve_local,
    round_dates,
    stands_for,
    window_close,
)
from bot.i18n import translator
from bot.i18n.parts import schedule as texts

HEL = "Europe/Helsinki"
NY = "America/New_York"


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def local(y: int, m: int, d: int, h: int, mi: int = 0, tz: str = HEL) -> datetime:
    """An aware local datetime (for window_close input) - always an existing, unambiguous time here."""
    return resolve_local(datetime(y, m, d, h, mi), ZoneInfo(tz)).astimezone(ZoneInfo(tz))


# ---------------------------------------------------------------------------------------------- parsing

BASE = Schedule(every_weeks=4, weekday=2, at=time(8, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 2 weeks mon 09:00", Schedule(2, 0, time(9, 0))),
        ("weekly tue 9:30", Schedule(1, 1, time(9, 30))),
        ("every week friday 14", Schedule(1, 4, time(14, 0))),
        ("biweekly wed 08:15", Schedule(2, 2, time(8, 15))),
        ("bi-weekly Thursday 7:05", Schedule(2, 3, time(7, 5))),
        ("every 4 weeks thu 10:00", Schedule(4, 3, time(10, 0))),
        ("Every two weeks on Monday at 9am", Schedule(2, 0, time(9, 0))),
        ("every other friday 2:30 pm", Schedule(2, 4, time(14, 30))),
        ("every tuesday", Schedule(1, 1, time(8, 0))),
        ("fortnightly", Schedule(2, 2, time(8, 0))),
        ("every week", Schedule(1, 2, time(8, 0))),  # keeps weekday and time
        ("fri", Schedule(4, 4, time(8, 0))),  # keeps cadence and time
        ("at 00:00", Schedule(4, 2, time(0, 0))),
        ("sun 23:59", Schedule(4, 6, time(23, 59))),  # weekends are allowed
        ("joka viikko ti 9.30", Schedule(1, 1, time(9, 30))),
        ("joka toinen viikko ma 09:00", Schedule(2, 0, time(9, 0))),
        ("2 viikon välein ma 9:00", Schedule(2, 0, time(9, 0))),
        ("4 viikon välein to 10.00", Schedule(4, 3, time(10, 0))),
        ("kahden viikon välein keskiviikkoisin klo 8", Schedule(2, 2, time(8, 0))),
        ("joka neljäs viikko perjantaina kello 13.45", Schedule(4, 4, time(13, 45))),
        ("joka toinen viikko maanantaisin klo 9.00", Schedule(2, 0, time(9, 0))),
        ("viikoittain pe", Schedule(1, 4, time(8, 0))),
        ("joka maanantai klo 7", Schedule(1, 0, time(7, 0))),
        ("Torstai, 12.30", Schedule(4, 3, time(12, 30))),
        ("joka 2. viikko su", Schedule(2, 6, time(8, 0))),
    ],
)
def test_parse_schedule(text: str, expected: Schedule) -> None:
    assert parse_schedule(text, BASE) == expected


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("monthly", "schedule.error.monthly", {"text": "monthly"}),
        ("kuukausittain ma", "schedule.error.monthly", {"text": "kuukausittain"}),
        ("every 3 weeks mon", "schedule.error.cadence", {"text": "every 3 weeks"}),
        ("3 viikon välein", "schedule.error.cadence", {"text": "3 viikon välein"}),
        ("joka kolmas viikko", "schedule.error.cadence", {"text": "joka kolmas viikko"}),
        ("every day 9:00", "schedule.error.cadence", {"text": "every day"}),
        ("weekly mon 25:00", "schedule.error.time", {"text": "25:00"}),
        ("weekly mon 24:00", "schedule.error.time", {"text": "24:00"}),
        ("mon 9:75", "schedule.error.time", {"text": "9:75"}),
        ("mon 13pm", "schedule.error.time", {"text": "13pm"}),
        ("mondy 9:00", "schedule.error.unknown", {"text": "mondy"}),
        ("every 2 weeks on mon at noon", "schedule.error.unknown", {"text": "noon"}),
        ("mon tue", "schedule.error.conflict", {"first": "mon", "second": "tue"}),
        ("mon 9:00 10:00", "schedule.error.conflict", {"first": "9:00", "second": "10:00"}),
        ("weekly every 2 weeks", "schedule.error.conflict", {"first": "weekly", "second": "every 2 weeks"}),
        ("", "schedule.error.empty", {}),
        ("  on at ", "schedule.error.empty", {}),
    ],
)
def test_parse_schedule_errors(text: str, key: str, params: dict[str, object]) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(text)
    assert (raised.value.key, raised.value.params) == (key, params)
    assert key in texts.EN and key in texts.FI


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", time(9)),
        ("09:00", time(9)),
        ("9.30", time(9, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "25:00", "9:5", "noon", "-1"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"schedule\.error\.time"):
        parse_time(text)


def test_default_schedule() -> None:
    assert Schedule(every_weeks=2, weekday=0, at=time(9, 0)) == DEFAULT
    with pytest.raises(ValueError):
        Schedule(every_weeks=3, weekday=0, at=time(9))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Schedule(every_weeks=1, weekday=7, at=time(9))


@pytest.mark.parametrize(
    ("language", "schedule", "expected"),
    [
        ("en", DEFAULT, "every 2 weeks on Monday at 09:00"),
        ("en", Schedule(1, 1, time(9, 30)), "every week on Tuesday at 09:30"),
        ("en", Schedule(4, 3, time(14, 5)), "every 4 weeks on Thursday at 14:05"),
        ("fi", DEFAULT, "joka toinen viikko maanantaisin klo 9.00"),
        ("fi", Schedule(1, 1, time(9, 30)), "joka viikko tiistaisin klo 9.30"),
        ("fi", Schedule(4, 2, time(14, 5)), "joka neljäs viikko keskiviikkoisin klo 14.05"),
    ],
)
def test_render_schedule(language: str, schedule: Schedule, expected: str) -> None:
    assert render_schedule(schedule, translator(language)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["en", "fi"])
def test_rendered_schedules_parse_back(language: str) -> None:
    t = translator(language)  # type: ignore[arg-type]
    for every in (1, 2, 4):
        for weekday in range(7):
            for at in (time(0, 0), time(9, 5), time(23, 59)):
                schedule = Schedule(every, weekday, at)
                assert parse_schedule(render_schedule(schedule, t), BASE) == schedule


def test_catalog_languages_match() -> None:
    assert texts.EN.keys() == texts.FI.keys()
    assert all(key.startswith("schedule.") for key in texts.EN)


# ---------------------------------------------------------------------------------------------- dates

MON = Schedule(1, 0, time(9))


@pytest.mark.parametrize(
    ("schedule", "anchor", "after", "expected"),
    [
        (MON, date(2026, 1, 5), date(2026, 1, 5), date(2026, 1, 5)),  # on the day itself
        (MON, date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 12)),
        (Schedule(2, 0, time(9)), date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 19)),
        (Schedule(2, 0, time(9)), date(2026, 1, 5), date(2026, 1, 19), date(2026, 1, 19)),
        (Schedule(2, 0, time(9)), date(2026, 1, 5), date(2026, 1, 20), date(2026, 2, 2)),
        (Schedule(4, 0, time(9)), date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 2)),
        (Schedule(4, 0, time(9)), date(2026, 1, 5), date(2026, 2, 3), date(2026, 3, 2)),
        (Schedule(2, 0, time(9)), date(2026, 1, 5), date(2025, 12, 1), date(2026, 1, 5)),  # never before the anchor
        (Schedule(2, 0, time(9)), date(2026, 1, 7), date(2026, 1, 7), date(2026, 1, 12)),  # anchor not on the weekday
        (Schedule(2, 0, time(9)), date(2026, 1, 7), date(2026, 1, 13), date(2026, 1, 26)),
        (Schedule(2, 4, time(9)), date(2026, 1, 9), date(2026, 3, 1), date(2026, 3, 6)),
        (Schedule(4, 6, time(9)), date(2025, 12, 28), date(2026, 12, 28), date(2027, 1, 24)),  # across a year
    ],
)
def test_next_round_date(schedule: Schedule, anchor: date, after: date, expected: date) -> None:
    assert next_round_date(schedule, anchor, after) == expected


def test_round_dates_steps_by_cadence() -> None:
    dates = list(islice(round_dates(Schedule(2, 0, time(9)), date(2026, 1, 5), date(2026, 1, 6)), 3))
    assert dates == [date(2026, 1, 19), date(2026, 2, 2), date(2026, 2, 16)]


# ---------------------------------------------------------------------------------------------- DST


@pytest.mark.parametrize(
    ("day", "tz", "expected"),
    [
        # EU spring forward (Sun 2026-03-29): the week before and the week of the change.
        (date(2026, 3, 23), HEL, utc(2026, 3, 23, 7)),
        (date(2026, 3, 30), HEL, utc(2026, 3, 30, 6)),
        (date(2026, 3, 23), NY, utc(2026, 3, 23, 13)),
        (date(2026, 3, 30), NY, utc(2026, 3, 30, 13)),
        # US spring forward (Sun 2026-03-08).
        (date(2026, 3, 2), NY, utc(2026, 3, 2, 14)),
        (date(2026, 3, 9), NY, utc(2026, 3, 9, 13)),
        (date(2026, 3, 2), HEL, utc(2026, 3, 2, 7)),
        (date(2026, 3, 9), HEL, utc(2026, 3, 9, 7)),
        # EU fall back (Sun 2026-10-25).
        (date(2026, 10, 19), HEL, utc(2026, 10, 19, 6)),
        (date(2026, 10, 26), HEL, utc(2026, 10, 26, 7)),
        (date(2026, 10, 19), NY, utc(2026, 10, 19, 13)),
        (date(2026, 10, 26), NY, utc(2026, 10, 26, 13)),
        # US fall back (Sun 2026-11-01).
        (date(2026, 11, 2), NY, utc(2026, 11, 2, 14)),
        (date(2026, 11, 2), HEL, utc(2026, 11, 2, 7)),
        # On the change days themselves.
        (date(2026, 3, 29), HEL, utc(2026, 3, 29, 6)),
        (date(2026, 11, 1), NY, utc(2026, 11, 1, 14)),
    ],
)
def test_local_send_time_is_09_local_across_dst(day: date, tz: str, expected: datetime) -> None:
    sent = local_send_time(day, time(9), tz, "UTC")
    assert sent == expected and sent.utcoffset() == timedelta(0)
    assert sent.astimezone(ZoneInfo(tz)).time() == time(9)


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected"),
    [
        (date(2026, 3, 29), time(3, 30), HEL, utc(2026, 3, 29, 1)),  # gap 03:00–04:00 → 04:00 local
        (date(2026, 3, 8), time(2, 30), NY, utc(2026, 3, 8, 7)),  # gap 02:00–03:00 → 03:00 local
        (date(2026, 10, 25), time(3, 30), HEL, utc(2026, 10, 25, 0, 30)),  # ambiguous → first (EEST)
        (date(2026, 11, 1), time(1, 30), NY, utc(2026, 11, 1, 5, 30)),  # ambiguous → first (EDT)
    ],
)
def test_local_send_time_gaps_and_folds(day: date, at: time, tz: str, expected: datetime) -> None:
    assert local_send_time(day, at, tz, "UTC") == expected


@pytest.mark.parametrize(
    ("tz", "fallback", "expected"),
    [
        ("Mars/Olympus", HEL, utc(2026, 3, 30, 6)),
        ("", NY, utc(2026, 3, 30, 13)),
        ("../etc/passwd", HEL, utc(2026, 3, 30, 6)),
        ("Mars/Olympus", "Nope/Nope", utc(2026, 3, 30, 9)),
    ],
)
def test_unknown_time_zone_falls_back(tz: str, fallback: str, expected: datetime) -> None:
    assert local_send_time(date(2026, 3, 30), time(9), tz, fallback) == expected


# ---------------------------------------------------------------------------------------------- window


@pytest.mark.parametrize(
    ("opened", "days", "expected"),
    [
        (local(2026, 1, 5, 9), 3, local(2026, 1, 8, 9)),  # Mon → Thu
        (local(2026, 1, 9, 9), 3, local(2026, 1, 14, 9)),  # Fri → Wed
        (local(2026, 1, 7, 9), 3, local(2026, 1, 12, 9)),  # Wed → Mon
        (local(2026, 1, 9, 9), 1, local(2026, 1, 12, 9)),  # Fri → Mon
        (local(2026, 1, 5, 22, 30), 3, local(2026, 1, 8, 22, 30)),  # late evening
        (local(2026, 1, 10, 10), 3, local(2026, 1, 15, 10)),  # Sat counts from Monday
        (local(2026, 1, 11, 23), 1, local(2026, 1, 13, 23)),  # Sun counts from Monday
        (local(2026, 3, 26, 9), 3, local(2026, 3, 31, 9)),  # across EU spring forward
        (local(2026, 10, 22, 9), 3, local(2026, 10, 27, 9)),  # across EU fall back
        (local(2026, 3, 5, 9, tz=NY), 3, local(2026, 3, 10, 9, tz=NY)),  # across US spring forward
    ],
)
def test_window_close(opened: datetime, days: int, expected: datetime) -> None:
    closes = window_close(opened, days)
    assert closes == expected and closes.utcoffset() == timedelta(0)


def test_window_close_across_dst_keeps_the_local_clock() -> None:
    assert window_close(local(2026, 3, 26, 9)) == utc(2026, 3, 31, 6)
    assert window_close(local(2026, 10, 22, 9)) == utc(2026, 10, 27, 7)


def test_window_close_needs_an_aware_start() -> None:
    with pytest.raises(ValueError):
        window_close(datetime(2026, 1, 5, 9))


@pytest.mark.parametrize(
    ("send", "close", "tz", "expected"),
    [
        (local(2026, 1, 5, 9), local(2026, 1, 8, 9), HEL, local(2026, 1, 6, 13)),  # 24 h → Tue 13:00
        (local(2026, 1, 9, 9), local(2026, 1, 14, 9), HEL, local(2026, 1, 12, 13)),  # Friday start → Mon 13:00
        (local(2026, 1, 9, 16), local(2026, 1, 14, 16), HEL, local(2026, 1, 13, 12)),  # Fri 16:00
        (local(2026, 1, 5, 22), local(2026, 1, 8, 22), HEL, local(2026, 1, 7, 13)),  # late evening start
        (local(2026, 1, 5, 23, 30), local(2026, 1, 6, 10), HEL, local(2026, 1, 6, 9, 30)),
        (local(2026, 1, 5, 9), local(2026, 1, 7, 9), HEL, local(2026, 1, 6, 9)),  # halfway = 17:00 → next 09:00
        (local(2026, 1, 10, 10), local(2026, 1, 15, 10), HEL, local(2026, 1, 13, 13, 30)),  # Saturday start
        (local(2026, 1, 9, 16), local(2026, 1, 12, 9), HEL, local(2026, 1, 9, 16, 30)),
        (local(2026, 3, 26, 9), local(2026, 3, 31, 9), HEL, utc(2026, 3, 27, 11)),  # across DST
        (local(2026, 3, 9, 9, tz=NY), local(2026, 3, 12, 9, tz=NY), NY, utc(2026, 3, 10, 17)),
        (local(2026, 1, 9, 17), local(2026, 1, 12, 9), HEL, None),  # no working hours in between
        (local(2026, 1, 10, 10), local(2026, 1, 11, 20), HEL, None),  # weekend only
        (local(2026, 1, 8, 9), local(2026, 1, 5, 9), HEL, None),  # closes before it opens
    ],
)
def test_reminder_time(send: datetime, close: datetime, tz: str, expected: datetime | None) -> None:
    assert reminder_time(send, close, tz) == expected


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
    days=st.integers(min_value=1, max_value=5),
    tz=st.sampled_from([HEL, NY, "Asia/Kolkata", "Pacific/Auckland", "UTC"]),
)
def test_reminder_lands_in_working_hours_inside_the_window(start: datetime, days: int, tz: str) -> None:
    zone = ZoneInfo(tz)
    send = resolve_local(start.replace(microsecond=0), zone)
    close = window_close(send.astimezone(zone), days)
    reminder = reminder_time(send, close, tz)
    assert reminder is not None  # every window holds at least one working day
    moment = reminder.astimezone(zone)
    assert send < reminder < close
    assert moment.weekday() < 5
    assert time(9) <= moment.time() < time(17)


# ---------------------------------------------------------------------------------------------- rounds standing in

_FORTNIGHTLY_MONDAY_9 = Schedule(every_weeks=2, weekday=0, at=time(9, 0))
_WEEKLY_MONDAY_9 = Schedule(every_weeks=1, weekday=0, at=time(9, 0))


@pytest.mark.parametrize(
    ("schedule", "scheduled", "round_day", "stands"),
    [
        # The scheduled round itself.
        (_WEEKLY_MONDAY_9, date(2026, 12, 7), date(2026, 12, 7), True),
        # A manual round on the same Monday morning: the scheduled one must not follow it.
        (_FORTNIGHTLY_MONDAY_9, date(2026, 12, 7), date(2026, 12, 7), True),
        # A manual round the Friday before stands for Monday's.
        (_WEEKLY_MONDAY_9, date(2026, 12, 7), date(2026, 12, 4), True),
        # The previous scheduled round (a whole period earlier) does not.
        (_WEEKLY_MONDAY_9, date(2026, 12, 7), date(2026, 11, 30), False),
        (_FORTNIGHTLY_MONDAY_9, date(2026, 12, 7), date(2026, 11, 23), False),
        # Fortnightly: a manual round 13 days before still falls in the period.
        (_FORTNIGHTLY_MONDAY_9, date(2026, 12, 7), date(2026, 11, 24), True),
        # A round after the scheduled date belongs to the next period.
        (_WEEKLY_MONDAY_9, date(2026, 12, 7), date(2026, 12, 8), False),
    ],
)
def test_which_round_stands_for_a_scheduled_date(
    schedule: Schedule, scheduled: date, round_day: date, stands: bool
) -> None:
    assert stands_for(schedule, scheduled, round_day) is stands


@pytest.mark.parametrize(
    ("schedule", "today", "round_days", "expected"),
    [
        # Nothing ran: the next Monday on the cadence (anchor 2026-11-23).
        (_FORTNIGHTLY_MONDAY_9, date(2026, 11, 25), [], date(2026, 12, 7)),
        # Today is a round day and its round has not started yet: today.
        (_FORTNIGHTLY_MONDAY_9, date(2026, 12, 7), [date(2026, 11, 23)], date(2026, 12, 7)),
        # Today's round already started: two weeks on.
        (_FORTNIGHTLY_MONDAY_9, date(2026, 12, 7), [date(2026, 12, 7)], date(2026, 12, 21)),
        # A manual round last Thursday stands for this Monday's: the one after.
        (_FORTNIGHTLY_MONDAY_9, date(2026, 12, 5), [date(2026, 12, 3)], date(2026, 12, 21)),
        # Weekly, manual round on Tuesday: next Monday is covered, the one after is next.
        (_WEEKLY_MONDAY_9, date(2026, 12, 2), [date(2026, 12, 1)], date(2026, 12, 14)),
    ],
)
def test_next_open_date_skips_dates_a_round_already_stands_for(
    schedule: Schedule, today: date, round_days: list[date], expected: date
) -> None:
    assert next_open_date(schedule, date(2026, 11, 23), today, round_days) == expected
