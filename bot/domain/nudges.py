"""Manager nudges: which events call for one, and which suggested action from the bank
(bot/i18n/parts/nudges.py, five per need) goes with it. At most one nudge per team per week, whatever
its kind (the service claims the week before it sends).

The kinds, each with the need its suggestion comes from:
- need_drop: a need dropped beyond noise in a closed round (the need itself);
- detractor_rise: the team's NPS detractor share rose beyond noise, four weeks against the four before
  (`stats.share_rose_beyond_noise`); competence, since handling hard customers is a skill the team can share;
- no_win_noticed: the oldest of the team's wins since its managers last reacted to one is four weeks old;
  belonging (recognition);
- tough_waiting: a named tough-moment request is still unacknowledged on a working day after its reminder
  went out (never the reminder's own day, so no manager hears of it twice in a day); belonging.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.domain.report import NeedResult
from bot.domain.stats import share_rose_beyond_noise

SUGGESTIONS_PER_NEED = 5
SNOOZE_DAYS = 28
NEED_DROP = "need_drop"
DETRACTOR_RISE = "detractor_rise"
NO_WIN_NOTICED = "no_win_noticed"
TOUGH_WAITING = "tough_waiting"
KINDS = (NEED_DROP, DETRACTOR_RISE, NO_WIN_NOTICED, TOUGH_WAITING)
SUGGESTION_NEED = {DETRACTOR_RISE: "competence", NO_WIN_NOTICED: "belonging", TOUGH_WAITING: "belonging"}
# The NPS windows compared for a detractor rise, and how long wins may go unnoticed.
DETRACTOR_WINDOW = timedelta(weeks=4)
UNNOTICED_FOR = timedelta(weeks=4)


def dropped_needs(needs: Sequence[NeedResult]) -> list[NeedResult]:
    """Needs shown (not suppressed) whose change is negative and beyond noise, the largest drop first."""
    dropped = [n for n in needs if not n.suppressed and n.beyond_noise and n.change is not None and n.change < 0]
    return sorted(dropped, key=lambda n: n.change or 0.0)


def detractors_rose(before: tuple[int, int], after: tuple[int, int]) -> bool:
    """(detractors, answers) in the earlier window and the later one: the share rose beyond noise."""
    return share_rose_beyond_noise(before[0], before[1], after[0], after[1])


def wins_unnoticed(oldest_unnoticed_win: datetime | None, now: datetime) -> bool:
    """The first win posted after the managers' last reaction (or ever, if they never reacted) has waited
    four weeks: for four weeks no win of the team was reacted to by its managers."""
    return oldest_unnoticed_win is not None and now - oldest_unnoticed_win >= UNNOTICED_FOR


def tough_waiting(reminder_sent_on: date | None, today: date, acknowledged: bool) -> bool:
    """A named request still unacknowledged after its reminder, from the next working day after the reminder's."""
    return not acknowledged and reminder_sent_on is not None and today > reminder_sent_on and today.weekday() < 5


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def suggestion_key(need: str, day: date) -> str:
    """A suggestion that changes week by week, so a second nudge on the same need offers another idea."""
    index = day.isocalendar().week % SUGGESTIONS_PER_NEED + 1
    return f"nudge.suggest.{need}.{index}"
