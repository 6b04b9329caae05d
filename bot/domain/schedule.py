"""When pulses go out: the cadence, parsing "/pulse schedule" text (English and Finnish), each person's
local send time across DST, the answer window in working days and the reminder time.

All returned datetimes are aware and in UTC, so they compare correctly regardless of time zones
(Python compares two datetimes sharing one tzinfo by wall clock, which is wrong across a DST fold).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Cadence = Literal[1, 2, 4]
CADENCES: tuple[Cadence, ...] = (1, 2, 4)


@dataclass(frozen=True)
class Schedule:
    """Every `every_weeks` weeks on `weekday` (0 = Monday) at `at`, in each person's own time zone."""

    every_weeks: Cadence
    weekday: int
    at: time

    def __post_init__(self) -> None:
        if self.every_weeks not in CADENCES:
            raise ValueError(f"every_weeks must be one of {CADENCES}, got {self.every_weeks!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {self.weekday!r}")


DEFAULT = Schedule(every_weeks=2, weekday=0, at=time(9, 0))


class ScheduleError(ValueError):
    """A schedule text we couldn't read: `t(error.key, **error.params)` explains it to the user."""

    def __init__(self, key: str, params: Mapping[str, object] | None = None) -> None:
        self.key = key  # a message key in bot/i18n/parts/schedule.py
        self.params: dict[str, object] = dict(params or {})
        super().__init__(f"{key} {self.params}")


# ---------------------------------------------------------------------------------------------- parsing

_WEEKDAY_WORDS: dict[int, tuple[str, ...]] = {
    0: ("mon", "monday", "ma", "maanantai", "maanantaina", "maanantaisin"),
    1: ("tue", "tues", "tuesday", "ti", "tiistai", "tiistaina", "tiistaisin"),
    2: ("wed", "wednesday", "ke", "keskiviikko", "keskiviikkona", "keskiviikkoisin"),
    3: ("thu", "thur", "thurs", "thursday", "to", "torstai", "torstaina", "torstaisin"),
    4: ("fri", "friday", "pe", "perjantai", "perjantaina", "perjantaisin"),
    5: ("sat", "saturday", "la", "lauantai", "lauantaina", "lauantaisin"),
    6: ("sun", "sunday", "su", "sunnuntai", "sunnuntaina", "sunnuntaisin"),
}
WEEKDAYS: dict[str, int] = {word: day for day, words in _WEEKDAY_WORDS.items() for word in words}
for _day, _name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")):
    WEEKDAYS[_name + "s"] = _day  # "mondays"

# Words that only glue the parts together ("on Monday at 9", "klo 9").
_FILLERS = frozenset({"on", "at", "klo", "kello", "kl", "@", "-", "–", "and", "ja"})

_NUMBERS: dict[str, int] = {
    "1": 1, "one": 1, "1st": 1, "yhden": 1, "1.": 1,
    "2": 2, "two": 2, "2nd": 2, "other": 2, "second": 2, "toinen": 2, "kahden": 2, "2.": 2,
    "3": 3, "three": 3, "3rd": 3, "third": 3, "kolmas": 3, "kolmen": 3, "3.": 3,
    "4": 4, "four": 4, "4th": 4, "fourth": 4, "neljäs": 4, "neljän": 4, "4.": 4,
}  # fmt: skip

# Longest first so "maanantaisin" isn't read as "ma".
_WEEKDAY_AHEAD = "(?=(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b)"
_MONTHLY = "monthly"
_UNSUPPORTED = "unsupported"
_NUMBER = "number"
_WORD = r"[\w.]+"

# (pattern, meaning) tried in order; each match is blanked out before the next pattern runs. Meaning is
# a cadence, _MONTHLY / _UNSUPPORTED (explained errors), or _NUMBER: look group 1 up in _NUMBERS (none = 1).
_CADENCE_PATTERNS: tuple[tuple[re.Pattern[str], int | str], ...] = tuple(
    (re.compile(pattern), meaning)
    for pattern, meaning in (
        (r"\b(?:monthly|every month|each month|once a month|kuukausittain|kerran kuussa|joka kuukausi)\b", _MONTHLY),
        (r"\b(?:bi-?weekly|fortnightly)\b|\bjoka toisella viikolla\b", 2),
        (r"\bweekly\b|\beach week\b|\bonce a week\b|\bviikoittain\b|\bkerran viikossa\b|\bjoka viikko\b", 1),
        (rf"\bevery (?:({_WORD}) )?weeks?\b", _NUMBER),
        (rf"\bjoka ({_WORD}) viikko\b", _NUMBER),
        (rf"\b({_WORD}) viikon välein\b", _NUMBER),
        (r"\bevery (?:\S+ )?(?:days?|months?|years?|hours?)\b|\bjoka päivä\b|\bpäivittäin\b", _UNSUPPORTED),
        # "every Monday", "every other Monday", "joka maanantai", "joka toinen maanantai": only the
        # cadence words are consumed; the weekday stays for the token loop.
        (rf"\b(?:every|joka) (?:({_WORD}) )?{_WEEKDAY_AHEAD}", _NUMBER),
    )
)

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)?$")


def parse_time(text: str) -> time:
    """Read a clock time: "9", "09:00", "9.30", "14", "9am", "2:30pm". Raises ScheduleError("schedule.error.time")."""
    raw = text.strip()
    match = _TIME.match(raw.lower().replace(" ", ""))
    if not match:
        raise ScheduleError("schedule.error.time", {"text": raw})
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise ScheduleError("schedule.error.time", {"text": raw})
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError("schedule.error.time", {"text": raw})
    return time(hour, minute)


def _cadence_of(match: re.Match[str], meaning: int | str) -> Cadence:
    text = match.group(0).strip()
    if meaning == _MONTHLY:
        raise ScheduleError("schedule.error.monthly", {"text": text})
    if meaning == _UNSUPPORTED:
        raise ScheduleError("schedule.error.cadence", {"text": text})
    if meaning == _NUMBER:
        word = match.group(1)
        value = 1 if word is None else _NUMBERS.get(word)
    else:
        value = cast(int, meaning)
    if value not in CADENCES:
        raise ScheduleError("schedule.error.cadence", {"text": text})
    return value


def parse_schedule(text: str, base: Schedule = DEFAULT) -> Schedule:
    """Read e.g. "every 2 weeks mon 09:00", "weekly tue 9:30", "joka toinen viikko ma 9.00".

    Parts not given keep their value from `base` (the team's current schedule), so "every week"
    changes only the cadence. Raises ScheduleError naming the part that couldn't be read.
    """
    normalized = " ".join(text.lower().replace(",", " ").replace(";", " ").split())
    if not normalized:
        raise ScheduleError("schedule.error.empty")

    # Cadences may span words ("every 2 weeks", "2 viikon välein"): find them first and blank them out
    # (same length, so later positions stay valid for ordering).
    found: list[tuple[int, str, Cadence]] = []
    remaining = normalized
    for pattern, meaning in _CADENCE_PATTERNS:
        for match in list(pattern.finditer(remaining)):
            found.append((match.start(), match.group(0).strip(), _cadence_of(match, meaning)))
            remaining = remaining[: match.start()] + " " * (match.end() - match.start()) + remaining[match.end() :]
    found.sort()
    if len(found) > 1:
        raise ScheduleError("schedule.error.conflict", {"first": found[0][1], "second": found[1][1]})

    weekday: tuple[str, int] | None = None
    at: tuple[str, time] | None = None
    tokens = remaining.split()
    index = 0
    while index < len(tokens):
        token = tokens[index].rstrip(".") if not _TIME.match(tokens[index]) else tokens[index]
        index += 1
        if token in _FILLERS or not token:
            continue
        if token in WEEKDAYS:
            if weekday is not None:
                raise ScheduleError("schedule.error.conflict", {"first": weekday[0], "second": token})
            weekday = (token, WEEKDAYS[token])
            continue
        if token[0].isdigit():
            # "9 am": the suffix is its own word.
            if index < len(tokens) and tokens[index] in ("am", "pm", "a.m.", "p.m."):
                token += tokens[index]
                index += 1
            parsed = parse_time(token)
            if at is not None:
                raise ScheduleError("schedule.error.conflict", {"first": at[0], "second": token})
            at = (token, parsed)
            continue
        raise ScheduleError("schedule.error.unknown", {"text": token})

    if not found and weekday is None and at is None:
        raise ScheduleError("schedule.error.empty")
    return Schedule(
        every_weeks=found[0][2] if found else base.every_weeks,
        weekday=weekday[1] if weekday else base.weekday,
        at=at[1] if at else base.at,
    )


def render_schedule(schedule: Schedule, t: Callable[..., str]) -> str:
    """E.g. "every 2 weeks on Monday at 09:00" / "joka toinen viikko maanantaisin klo 9.00"."""
    return t(
        f"schedule.render.every_{schedule.every_weeks}",
        day=t(f"schedule.weekday_on.{schedule.weekday}"),
        time=t("schedule.time", hour=schedule.at.hour, minute=schedule.at.minute),
    )


# ---------------------------------------------------------------------------------------------- dates


def _first_round(schedule: Schedule, anchor: date) -> date:
    # The anchor is normally the first round date itself; if not, the first chosen weekday on or after it.
    return anchor + timedelta(days=(schedule.weekday - anchor.weekday()) % 7)


def round_dates(schedule: Schedule, first_date: date, today: date) -> Iterator[date]:
    """The scheduled dates on or after `today`, in order (endless), for the cadence anchored at `first_date`.

    Rounds fall every `every_weeks` weeks counted from the anchor; none falls before the anchor.
    """
    first = _first_round(schedule, first_date)
    period = 7 * schedule.every_weeks
    periods_to_skip = max(0, -(-(today - first).days // period))  # ceiling division
    current = first + timedelta(days=periods_to_skip * period)
    while True:
        yield current
        current += timedelta(days=period)


def next_round_date(schedule: Schedule, anchor: date, after: date) -> date:
    """The first scheduled date on or after `after` (so passing today returns today on a round day)."""
    return next(round_dates(schedule, anchor, after))


def stands_for(schedule: Schedule, scheduled: date, round_day: date) -> bool:
    """Whether a round opened on `round_day` is the round of the scheduled date `scheduled`.

    A round counts for the scheduled date that ends its cadence period: any day in
    (scheduled − period, scheduled]. So a manual round on Friday stands for Monday's scheduled one, and a
    manual round on Monday morning for that Monday's; the next scheduled round is a whole period later.
    """
    period = timedelta(days=7 * schedule.every_weeks)
    return scheduled - period < round_day <= scheduled


def next_open_date(schedule: Schedule, anchor: date, today: date, round_days: Iterable[date]) -> date:
    """The first scheduled date on or after `today` that no round on `round_days` already stands for."""
    days = tuple(round_days)
    for scheduled in round_dates(schedule, anchor, today):
        if not any(stands_for(schedule, scheduled, day) for day in days):
            return scheduled
    raise AssertionError("unreachable: round_dates is endless")  # pragma: no cover


class StoredSchedule(Protocol):
    """A team's stored schedule columns: a Team row and a TeamView both have them."""

    @property
    def every_weeks(self) -> int: ...
    @property
    def weekday(self) -> int: ...
    @property
    def at_time(self) -> str: ...


def schedule_of(team: StoredSchedule) -> Schedule:
    """A team's Schedule from its stored columns ("HH:MM" time)."""
    hours, minutes = (int(p) for p in team.at_time.split(":"))
    return Schedule(every_weeks=team.every_weeks, weekday=team.weekday, at=time(hours, minutes))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- time zones


def zone_name(tz_name: str | None, fallback_tz: str = "UTC") -> str:
    """tz_name when it is a zone; unknown or empty → fallback_tz; if that is unknown too, "UTC" (never crash a
    round). The one fallback rule for a person's zone (Slack's `tz`), a team's and DEFAULT_TIMEZONE."""
    for name in (tz_name, fallback_tz):
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def zone(tz_name: str | None, fallback_tz: str = "UTC") -> tzinfo:
    """ZoneInfo for tz_name, by zone_name's fallback rule."""
    try:
        return ZoneInfo(zone_name(tz_name, fallback_tz))
    except (ZoneInfoNotFoundError, ValueError):  # no zone data at all: UTC is the last resort
        return UTC


def resolve_local(naive: datetime, tz: tzinfo) -> datetime:
    """The UTC instant of a local wall-clock time in `tz`.

    Ambiguous (clocks fall back, the time happens twice): the first occurrence.
    Non-existent (clocks spring forward past it): the moment the gap ends, i.e. the first instant that
    exists after it (e.g. 03:30 on a 03:00→04:00 day → 04:00). Unlike plain PEP 495 fold arithmetic
    (which would give 04:30) this never jumps past later valid times.
    """
    if naive.tzinfo is not None:
        naive = naive.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc  # exists (fold=0 is the earlier occurrence when ambiguous)
    # In a gap: fold=0 reads it with the offset before the change (later UTC instant), fold=1 with the
    # offset after (earlier instant); the change happens between them. Binary search it to the second.
    low = int(naive.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    high = int(utc.timestamp())
    if low > high:
        low, high = high, low
    after_offset = datetime.fromtimestamp(high, UTC).astimezone(tz).utcoffset()
    while low < high:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == after_offset:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, UTC)


def local_send_time(day: date, at: time, tz_name: str, fallback_tz: str) -> datetime:
    """The UTC instant of `day` at local clock time `at` in tz_name (unknown name → fallback_tz)."""
    return resolve_local(datetime.combine(day, at.replace(tzinfo=None)), zone(tz_name, fallback_tz))


# ---------------------------------------------------------------------------------------------- window


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def window_close(opened_at_local: datetime, working_days: int = 3) -> datetime:
    """When a round opened at `opened_at_local` (aware, in the person's zone) closes: N working days
    (Mon–Fri) later at the same local clock time, as a UTC instant.

    Mon 09:00 + 3 → Thu 09:00; Fri 09:00 + 3 → Wed 09:00. A weekend start counts from Monday at the
    same clock time (Sat 10:00 + 3 → Thu 10:00) so the window always holds N full working days.
    """
    tz = opened_at_local.tzinfo
    if tz is None:
        raise ValueError("opened_at_local must be timezone-aware (the person's local zone)")
    if working_days < 1:
        raise ValueError("the answer window must be at least one working day")
    day = opened_at_local.date()
    while _is_weekend(day):
        day += timedelta(days=1)
    remaining = working_days
    while remaining:
        day += timedelta(days=1)
        if not _is_weekend(day):
            remaining -= 1
    return resolve_local(datetime.combine(day, opened_at_local.time()), tz)


def _working_intervals(
    start: datetime, end: datetime, tz: tzinfo, workday_start: time, workday_end: time
) -> Iterator[tuple[datetime, datetime]]:
    """Weekday working-hour intervals (UTC) clipped to [start, end)."""
    day = start.astimezone(tz).date() - timedelta(days=1)  # a day early: zones far from UTC
    last = end.astimezone(tz).date()
    while day <= last:
        if not _is_weekend(day):
            opens = resolve_local(datetime.combine(day, workday_start), tz)
            closes = resolve_local(datetime.combine(day, workday_end), tz)
            low, high = max(opens, start), min(closes, end)
            if low < high:
                yield low, high
        day += timedelta(days=1)


def reminder_time(
    send_at: datetime,
    close_at: datetime,
    tz_name: str,
    workday_start: time = time(9),
    workday_end: time = time(17),
) -> datetime | None:
    """Halfway through the window counted in working hours (weekdays, workday_start–workday_end local).

    Mon 09:00 → Thu 09:00 holds 24 working hours; 12 of them are used up at Tue 13:00. The result is
    inside working hours on a weekday (a halfway point falling exactly at the end of a workday moves to
    the next workday's start). None when the window has no working hours or the reminder would come
    at or after the close.
    """
    if send_at.tzinfo is None or close_at.tzinfo is None:
        raise ValueError("send_at and close_at must be timezone-aware")
    if workday_start >= workday_end:
        raise ValueError("the workday must start before it ends")
    if send_at >= close_at:
        return None
    tz = zone(tz_name)
    start, end = send_at.astimezone(UTC), close_at.astimezone(UTC)
    intervals = list(_working_intervals(start, end, tz, workday_start, workday_end))
    total = sum((high - low for low, high in intervals), timedelta())
    if not total:
        return None
    left = total / 2
    for low, high in intervals:
        length = high - low
        if left < length:
            moment = low + left
            return moment if moment < end else None
        left -= length
    return None  # pragma: no cover (left < total always lands inside an interval)


__all__: list[str] = [
    "CADENCES",
    "DEFAULT",
    "WEEKDAYS",
    "Cadence",
    "Schedule",
    "ScheduleError",
    "local_send_time",
    "next_open_date",
    "next_round_date",
    "parse_schedule",
    "parse_time",
    "reminder_time",
    "render_schedule",
    "resolve_local",
    "round_dates",
    "stands_for",
    "window_close",
    "zone",
]
