"""The periodic ticks the scheduler runs. Each is idempotent: running it twice does nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from bot.deps import Deps
from bot.services import idempotency

if TYPE_CHECKING:
    from bot.services.cx_schedule import ImportProblem
    from bot.services.pulse_schedule import AfterClose


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler (bot.scheduler) runs every `seconds` while its process holds the lease."""

    id: str
    seconds: int
    run: Callable[[Deps], object]


def housekeeping(deps: Deps) -> None:
    from bot.services.installations import forget_expired_oauth_states, purge_uninstalled

    idempotency.forget_older_than(deps.db, deps.now() - idempotency.RETENTION)
    # OAuth mode: workspaces uninstalled 30 days ago (or whose admin asked) are purged.
    purge_uninstalled(deps)
    forget_expired_oauth_states(deps.db)


def periodic_jobs(deps: Deps, *, after_close: AfterClose, import_problem: ImportProblem) -> list[PeriodicJob]:
    """The jobs, given what the composition root wires in to send to Slack: `after_close` a closed round's digest
    and nudge, `import_problem` the DM to the admin whose scheduled CX import rejected rows or failed."""
    from bot.services.conversations import reply_tick
    from bot.services.cx_schedule import cx_feed_tick
    from bot.services.nudges import nudge_tick
    from bot.services.pulse_schedule import pulse_tick
    from bot.services.tough import tough_tick

    return [
        PeriodicJob("pulse-tick", deps.settings.scheduler_tick_seconds, partial(pulse_tick, after_close=after_close)),
        # Checked every minute; each workspace's feed is pulled once per CX_FEED_INTERVAL_MINUTES.
        PeriodicJob("cx-feed", 60, partial(cx_feed_tick, import_problem=import_problem)),
        PeriodicJob("housekeeping", 3600, housekeeping),
        # Tough-moment reminders and check-ins are due to the working day; a few minutes late is fine.
        PeriodicJob("tough-moments", 300, tough_tick),
        # Manager nudges other than a need's drop (which follows a round's close): one per team per week.
        PeriodicJob("manager-nudges", 900, nudge_tick),
        # Anonymous conversations: replies wait for fixed delivery times; checked every minute.
        PeriodicJob("conversation-replies", 60, reply_tick),
    ]
