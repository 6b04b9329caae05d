"""Tough customer moments: the rules with no Slack and no database.

What would help after a hard customer moment: a talk with a manager (named), just noting it (counted
anonymously) or sharing the lesson with the team. Deadlines count working days (Monday to Friday), so a
request made on Friday afternoon is not "late" on Sunday. Reports show counts only, gated by the k rule
in bot.domain.anonymity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bot.domain.anonymity import Suppressed, gate

TALK = "talk"
NOTE = "note"
LESSON = "lesson"
OPTIONS = (TALK, NOTE, LESSON)

WHAT_MAX_CHARS = 1500
LESSON_MAX_CHARS = 1000
# The check-in comes this many working days after the moment; a reminder after one unacknowledged day.
CHECKIN_WORKING_DAYS = 2
REMINDER_WORKING_DAYS = 1
# A check-in answer is counted on its moment's day. Answers are taken until this many days after the moment
# (a named request's check-in is forgotten a week after it went out; a note's sealed one closes then too),
# and reports show a day's check-in counts only once no answer can still move them: a report read before and
# after one person's answer is the same report.
CHECKIN_ANSWER_DAYS = 11
CHECKIN_SETTLED_DAYS = 14
# A named request's answer is counted when the request is forgotten (a week after its check-in, normally
# 9-11 days after the moment); a forgetting this late (the scheduler was down) counts nothing, so a day
# never moves once a report may show it (its end is today, a day apart at most between time zones).
CHECKIN_COUNTED_DAYS = CHECKIN_SETTLED_DAYS - 2
SATURDAY = 5


def add_working_days(moment: datetime, days: int, zone: tzinfo) -> datetime:
    """`moment` moved forward by `days` whole working days (Mon-Fri) in `zone`, at the same local time.

    A weekend day never counts: Friday 15:00 + 1 is Monday 15:00, Saturday 10:00 + 1 is Monday 10:00."""
    local = moment.astimezone(zone)
    remaining = days
    while remaining > 0:
        local = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=zone)
        if local.weekday() < SATURDAY:
            remaining -= 1
    return local.astimezone(moment.tzinfo or zone)


def checkin_countable(moment_day: date, today: date) -> bool:
    """Whether a check-in answer may still reach its moment's day count (CHECKIN_COUNTED_DAYS)."""
    return (today - moment_day).days <= CHECKIN_COUNTED_DAYS


def supported_in_time(created: datetime, acknowledged: datetime, zone: tzinfo) -> bool:
    """A talk request counts as supported within a working day when a manager said "I'll reach out" by then."""
    return acknowledged <= add_working_days(created, REMINDER_WORKING_DAYS, zone)


def validate_moment(
    option: str | None, what: str | None, managers: list[str]
) -> dict[str, tuple[str, dict[str, object]]]:
    """Errors by modal block id, as message keys with parameters; empty when the choice can go ahead."""
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if what and len(what) > WHAT_MAX_CHARS:
        errors["what"] = ("tough.error.what_too_long", {"count": len(what), "limit": WHAT_MAX_CHARS})
    if option not in OPTIONS:
        errors["help"] = ("tough.error.pick_option", {})
    elif option == TALK and not managers:
        errors["managers"] = ("tough.error.pick_manager", {})
    return errors


def validate_lesson(lesson: str | None) -> dict[str, tuple[str, dict[str, object]]]:
    text = (lesson or "").strip()
    if not text:
        return {"lesson": ("tough.error.lesson_empty", {})}
    if len(text) > LESSON_MAX_CHARS:
        return {"lesson": ("tough.error.lesson_too_long", {"count": len(text), "limit": LESSON_MAX_CHARS})}
    return {}


@dataclass(frozen=True)
class ToughCounts:
    """Per-day counts summed over a report period (no people, no times finer than the day)."""

    moments: int = 0
    talks: int = 0
    supported_in_time: int = 0
    checkin_yes: int = 0
    checkin_no: int = 0


@dataclass(frozen=True)
class ToughSummary:
    """What a report may show: each part is a value or Suppressed, decided by the k rule alone."""

    moments: int | Suppressed
    supported_share: float | Suppressed | None  # percent of talk requests acknowledged within a working day
    checkin_yes_share: float | Suppressed | None  # percent of check-in answers that said "yes"


def _share(part: int, whole: int, k: int) -> float | Suppressed | None:
    if whole == 0:
        return None
    return gate(round(100.0 * part / whole, 1), whole, k)


def summarize(counts: ToughCounts, k: int) -> ToughSummary:
    """Nothing at all below k moments; each share also needs k requests (or k check-in answers) under it."""
    moments = gate(counts.moments, counts.moments, k)
    if isinstance(moments, Suppressed):
        return ToughSummary(moments, moments, moments)
    return ToughSummary(
        moments,
        _share(counts.supported_in_time, counts.talks, k),
        _share(counts.checkin_yes, counts.checkin_yes + counts.checkin_no, k),
    )


def summary_json(summary: ToughSummary | None) -> dict[str, Any] | None:
    """The report JSON's "tough_moments" object (see the README: "Tough customer moments")."""
    if summary is None:
        return None
    if isinstance(summary.moments, Suppressed):
        return {"suppressed": True}

    def share(value: float | Suppressed | None) -> float | dict[str, bool] | None:
        return {"suppressed": True} if isinstance(value, Suppressed) else value

    return {
        "count": summary.moments,
        "supported_within_a_working_day_percent": share(summary.supported_share),
        "checkin_yes_percent": share(summary.checkin_yes_share),
    }
