"""The scheduler every long-running process carries (`serve` workers, `socket`, `clock`).

All of them tick, but only the holder of the schedule lease (a row in the database, see
bot/services/schedule_lease.py) runs the jobs; the others keep trying to take the lease and take over
within `SCHEDULE_LEASE_SECONDS` plus a third of it after the holder dies. The database also holds every
schedule and round, so jobs are stateless: a holder that is replaced in the middle of a tick sends nothing twice.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps, utc_now
from bot.services.jobs import PeriodicJob
from storage.db import first_line

logger = logging.getLogger(__name__)

LEASE_JOB_ID = "schedule-lease"


class Scheduler:
    """Periodic jobs with stable ids, run only while this process holds the schedule lease."""

    def __init__(self, deps: Deps, *, lease_seconds: float | None = None) -> None:
        self.deps = deps
        # Unique per process across hosts: the lease row names who holds it.
        self.holder_id = f"{deps.worker_id}@{socket.gethostname()}"
        self.lease_seconds = float(lease_seconds or deps.settings.schedule_lease_seconds)
        self._held_until = 0.0  # time.monotonic() until which this process may run jobs
        # What the log last said about holding the lease. A renewal that comes late under load shortens the local
        # window without the lease passing to anyone, and that is no news for an operator.
        self._said_holder = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = False
        self._aps = BackgroundScheduler(timezone="UTC")

    def start(self) -> bool:
        """Try for the lease once, then start ticking; returns whether this process holds the schedule now."""
        from bot.services.jobs import periodic_jobs
        from handlers.delivery import after_close, tell_import_problem

        held = self.renew()
        renew_every = max(1.0, self.lease_seconds / 3)
        self._aps.add_job(
            self.renew,
            "interval",
            seconds=renew_every,
            id=LEASE_JOB_ID,
            name=LEASE_JOB_ID,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(renew_every)),
        )
        for job in periodic_jobs(self.deps, after_close=after_close, import_problem=tell_import_problem):
            self._aps.add_job(
                self._run,
                "interval",
                args=[job],
                seconds=job.seconds,
                id=job.id,
                name=job.id,
                replace_existing=True,
                coalesce=True,  # after downtime, one catch-up run, not a burst
                max_instances=1,
                misfire_grace_time=job.seconds,
            )
        self._aps.start()
        self._started = True
        return held

    def holds(self) -> bool:
        with self._lock:
            return time.monotonic() < self._held_until

    def renew(self) -> bool:
        """Take or renew the lease. A process only counts itself the holder for 90% of the lease, so it stops
        running jobs before another process could take over, even if this renewal comes late."""
        if self._stopping.is_set():
            return False
        from bot.services import schedule_lease

        asked_at = time.monotonic()
        try:
            held = schedule_lease.take_or_renew(self.deps.db, self.holder_id, utc_now(), self.lease_seconds)
        except SQLAlchemyError as error:
            logger.warning("schedule lease not renewed, the database did not answer: %s", first_line(error))
            held = False
        with self._lock:
            self._held_until = asked_at + 0.9 * self.lease_seconds if held else 0.0
            said_holder, self._said_holder = self._said_holder, held
        if self._started and held and not said_holder:
            logger.info("this process now runs the schedule (%s)", self.holder_id)
        elif said_holder and not held:
            logger.warning("this process no longer runs the schedule (%s)", self.holder_id)
        return held

    def _run(self, job: PeriodicJob) -> None:
        if self._stopping.is_set() or not self.holds():
            return
        try:
            job.run(self.deps)
        except Exception:
            logger.exception("scheduled job %s failed; it runs again at the next tick", job.id)

    def pause(self) -> None:
        """Run no new job from now on (the ones running go on)."""
        self._stopping.set()

    def stop(self) -> None:
        """Start no new job, wait for the ones running (a tick sending DMs), then give the lease up."""
        from bot.services import schedule_lease

        self._stopping.set()
        if self._started:
            self._aps.shutdown(wait=True)
            self._started = False
        with self._lock:
            self._held_until = 0.0
            self._said_holder = False
        try:
            schedule_lease.release(self.deps.db, self.holder_id)
        except SQLAlchemyError as error:
            logger.warning("schedule lease not released (it runs out by itself): %s", first_line(error))
