"""The schedule lease: one holder at a time, renewed by it, taken over once it runs out, given up on release."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import schedule_lease
from storage.db import Database
from tests.conftest import BOTH_BACKENDS

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@BOTH_BACKENDS
def test_one_holder_at_a_time_until_its_lease_runs_out(db: Database) -> None:
    assert schedule_lease.current(db).holder is None  # the migration made the row, free
    assert schedule_lease.take_or_renew(db, "web-1@a", T0, 30)
    assert not schedule_lease.take_or_renew(db, "web-2@b", T0 + timedelta(seconds=29), 30)
    # The holder renews before it runs out: still the holder, the lease pushed on.
    assert schedule_lease.take_or_renew(db, "web-1@a", T0 + timedelta(seconds=20), 30)
    assert not schedule_lease.take_or_renew(db, "web-2@b", T0 + timedelta(seconds=45), 30)
    assert schedule_lease.current(db) == schedule_lease.LeaseState("web-1@a", T0 + timedelta(seconds=50))
    # The holder died: once the lease ran out, the next try takes it.
    assert schedule_lease.take_or_renew(db, "web-2@b", T0 + timedelta(seconds=51), 30)
    assert schedule_lease.current(db).holder == "web-2@b"
    assert not schedule_lease.take_or_renew(db, "web-1@a", T0 + timedelta(seconds=52), 30)


@BOTH_BACKENDS
def test_release_frees_the_lease_at_once_and_only_for_its_holder(db: Database) -> None:
    assert schedule_lease.take_or_renew(db, "clock-1@a", T0, 30)
    assert not schedule_lease.release(db, "web-2@b")  # not the holder: nothing changes
    assert schedule_lease.current(db).holder == "clock-1@a"
    assert schedule_lease.release(db, "clock-1@a")
    assert schedule_lease.current(db) == schedule_lease.LeaseState(None, None)
    assert schedule_lease.take_or_renew(db, "web-2@b", T0 + timedelta(seconds=1), 30)


@BOTH_BACKENDS
def test_many_processes_trying_at_once_make_one_holder(db: Database) -> None:
    barrier = threading.Barrier(8)
    won: list[str] = []

    def attempt(holder: str) -> None:
        barrier.wait()
        if schedule_lease.take_or_renew(db, holder, T0, 30):
            won.append(holder)

    threads = [threading.Thread(target=attempt, args=(f"web-{i}@host",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert schedule_lease.current(db).holder == won[0]
