"""The scheduler in every process: only the lease holder runs jobs; when it stops, another takes over."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.deps import Deps, utc_now
from bot.scheduler import Scheduler
from bot.services import schedule_lease
from bot.services.jobs import PeriodicJob
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS


@pytest.fixture
def counting_jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Replace the real jobs with one that counts its runs per process (worker id)."""
    runs: dict[str, int] = {}
    lock = threading.Lock()

    def count(deps: Deps) -> None:
        with lock:
            runs[deps.worker_id] = runs.get(deps.worker_id, 0) + 1

    import bot.services.jobs as jobs

    monkeypatch.setattr(jobs, "periodic_jobs", lambda deps, **wiring: [PeriodicJob("count", 1, count)])
    yield runs


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


@BOTH_BACKENDS
def test_only_the_holder_runs_jobs_and_another_takes_over_when_it_stops(
    harness: Harness, counting_jobs: dict[str, int]
) -> None:
    first = Scheduler(replace(harness.deps, worker_id="first"), lease_seconds=3)
    second = Scheduler(replace(harness.deps, worker_id="second"), lease_seconds=3)
    assert first.start() is True
    assert second.start() is False
    try:
        assert _wait(lambda: counting_jobs.get("first", 0) >= 3, WAIT_SECONDS)
        assert "second" not in counting_jobs
        assert first.holds() and not second.holds()
        first.stop()  # gives the lease up: the second takes it at its next try (a third of the lease)
        assert _wait(lambda: counting_jobs.get("second", 0) >= 2, WAIT_SECONDS)
        assert schedule_lease.current(harness.db).holder == second.holder_id
    finally:
        first.stop()
        second.stop()
    assert schedule_lease.current(harness.db).holder is None


def test_a_holder_that_cannot_renew_stops_running_jobs(
    harness: Harness, counting_jobs: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    sched = Scheduler(replace(harness.deps, worker_id="only"), lease_seconds=3)
    assert sched.start()
    try:
        assert _wait(lambda: counting_jobs.get("only", 0) >= 1, WAIT_SECONDS)

        def unreachable(*_args: object, **_kwargs: object) -> bool:
            raise OperationalError("select", {}, Exception("connection refused"))

        monkeypatch.setattr(schedule_lease, "take_or_renew", unreachable)
        assert _wait(lambda: not sched.holds(), WAIT_SECONDS)
        runs = counting_jobs["only"]
        time.sleep(2.5)
        assert counting_jobs["only"] == runs  # no job ran without the lease
    finally:
        monkeypatch.undo()
        sched.stop()


def test_the_log_tells_of_a_takeover_not_of_a_late_renewal(
    harness: Harness, counting_jobs: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Under load a renewal can come after the local 90% window: the process pauses its jobs, but the lease never
    passed to anyone, so the operator's log says nothing. Losing the lease and taking it back is said."""
    sched = Scheduler(replace(harness.deps, worker_id="only"), lease_seconds=3)
    caplog.set_level("INFO", logger="bot.scheduler")
    assert sched.start()
    try:
        with sched._lock:
            sched._held_until = 0.0  # the window ran out before the renewal came
        assert sched.renew() is True
        assert not [r for r in caplog.records if "runs the schedule" in r.getMessage()]
        # Another process takes over, as when this one's lease has run out. (Releasing it first left a window in
        # which this process's own renewal, every second in the background, took the lease straight back.)
        assert schedule_lease.take_or_renew(harness.db, "other", utc_now() + timedelta(seconds=10), 3) is True
        assert sched.renew() is False
        schedule_lease.release(harness.db, "other")
        assert sched.renew() is True
        said = [r.getMessage() for r in caplog.records if "runs the schedule" in r.getMessage()]
        assert said == [
            f"this process no longer runs the schedule ({sched.holder_id})",
            f"this process now runs the schedule ({sched.holder_id})",
        ]
    finally:
        sched.stop()
