"""The periodic ticks the scheduler runs. Each is idempotent: running it twice does nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.deps import Deps
from bot.services import idempotency


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler (bot.scheduler) runs every `seconds` while its process holds the lease."""

    id: str
    seconds: int
    run: Callable[[Deps], object]


def purge_idempotency_keys(deps: Deps) -> None:
    idempotency.forget_older_than(deps.db, deps.now() - idempotency.RETENTION)


def periodic_jobs(deps: Deps) -> list[PeriodicJob]:
    from bot.services.cx_schedule import cx_feed_tick
    from bot.services.pulse_schedule import pulse_tick
    from bot.services.tough import tough_tick

    return [
        PeriodicJob("pulse-tick", deps.settings.scheduler_tick_seconds, pulse_tick),
        # Checked every minute; each workspace's feed is pulled once per CX_FEED_INTERVAL_MINUTES.
        PeriodicJob("cx-feed", 60, cx_feed_tick),
        PeriodicJob("housekeeping", 3600, purge_idempotency_keys),
        # Tough-moment reminders and check-ins are due to the working day; a few minutes late is fine.
        PeriodicJob("tough-moments", 300, tough_tick),
    ]
