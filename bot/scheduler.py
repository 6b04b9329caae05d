"""The scheduler: a few periodic ticks with stable ids. The database holds every schedule and round,
so jobs are stateless and a restart (or a second clock by mistake) sends nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.deps import Deps

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    seconds: int
    run: Callable[[Deps], object]


def build_scheduler(deps: Deps, *, blocking: bool) -> BaseScheduler:
    from bot.services.jobs import periodic_jobs

    scheduler: BaseScheduler = BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC")
    for job in periodic_jobs(deps):
        scheduler.add_job(
            run_job,
            "interval",
            args=[job, deps],
            seconds=job.seconds,
            id=job.id,
            name=job.id,
            replace_existing=True,
            coalesce=True,  # after downtime, one catch-up run, not a burst
            max_instances=1,
            misfire_grace_time=job.seconds,
        )
    return scheduler


def run_job(job: PeriodicJob, deps: Deps) -> None:
    try:
        job.run(deps)
    except Exception:
        logger.exception("scheduled job %s failed; it runs again at the next tick", job.id)
