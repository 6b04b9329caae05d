"""A sender killed mid fan-out and restarted sends every DM exactly once."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from bot.services import outbox, rounds
from storage.models import Delivery
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.processes import ROOT, process_env
from tests.pulse_helpers import make_team, pulse_dm_count


def _start_round(harness: Harness, members: list[str]) -> None:
    make_team(harness, members)
    with harness.db.session_scope() as session:
        team_id = session.execute(text("select id from team")).scalar_one()
    assert rounds.start_round(harness.deps, "T0001", team_id, manual=True) is not None


def _clock_process(harness: Harness, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = process_env(harness.fake, database_url, OUTBOX_CLAIM_TIMEOUT_SECONDS="2")
    # stderr to a file: a pipe nobody reads fills up (a traceback per tick does it in seconds) and stalls the process.
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "clock"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr
        )


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_sigkill_mid_fan_out_then_restart_sends_each_dm_once(
    harness: Harness, database_url: str, tmp_path: Path
) -> None:
    # The subprocess uses the real clock, so the round must be open now.
    harness.clock.set(datetime.now(UTC))
    members = [f"U{i:03d}" for i in range(40)]
    _start_round(harness, members)
    harness.fake.set_latency(0.03)  # slow enough that the kill lands mid fan-out
    first = _clock_process(harness, database_url, tmp_path / "first.log")
    try:
        assert _wait(lambda: len(pulse_dm_count(harness)) >= 8, 60), "the clock process sent nothing"
        first.send_signal(signal.SIGKILL)
        first.wait(WAIT_SECONDS)
        sent_before_kill = len(pulse_dm_count(harness))
        assert sent_before_kill < len(members), "the kill came too late to test anything"
        second = _clock_process(harness, database_url, tmp_path / "second.log")
        try:
            assert _wait(lambda: len(pulse_dm_count(harness)) == len(members), 60)
            time.sleep(3)  # past the claim timeout: any stale claim would have been retried by now
        finally:
            second.terminate()
            # A clean stop finishes the tick in flight first: seconds on a loaded machine (10 s was too short).
            second.wait(WAIT_SECONDS)
    finally:
        if first.poll() is None:
            first.kill()
    counts = pulse_dm_count(harness)
    assert sorted(counts) == members
    assert set(counts.values()) == {1}, {u: c for u, c in counts.items() if c != 1}


def _sender_back_after_the_crash_window(harness: Harness, away: timedelta) -> None:
    """Five DMs sent; U002's 'sent' mark lost as if the process died right after chat.postMessage returned;
    the next sender comes `away` later. It must find the DM already there and send no second one."""
    members = [f"U{i:03d}" for i in range(5)]
    _start_round(harness, members)
    assert outbox.send_due_pulses(harness.deps) == 5
    with harness.db.session_scope() as session:
        row = session.exec(select(Delivery).where(Delivery.user_id == "U002")).one()
        row.sent_at = None
        row.claimed_at = harness.clock()
        session.add(row)
    harness.clock.advance(away)
    assert outbox.send_due_pulses(harness.deps) == 1  # marked sent after finding its own message
    assert pulse_dm_count(harness) == dict.fromkeys(members, 1)


def test_uncertain_send_is_not_repeated(harness: Harness) -> None:
    """The crash window: Slack accepted the DM but the 'sent' mark never reached the database."""
    _sender_back_after_the_crash_window(harness, timedelta(minutes=5))
    with harness.db.session_scope() as session:
        assert session.exec(select(Delivery).where(Delivery.user_id == "U002")).one().sent_at is not None


def test_an_uncertain_send_is_not_repeated_after_a_long_outage(harness: Harness) -> None:
    """The crash window again, with the sender back half an hour later: the history check must reach back to
    the first attempt. It looked back 10 minutes from the new claim (the claim the check runs under), so the
    DM sent before the crash was not found and a second one went out."""
    harness.clock.set(datetime.now(UTC))  # the fake Slack stamps messages with the wall clock
    _sender_back_after_the_crash_window(harness, timedelta(minutes=30))


def test_rate_limited_fan_out_loses_nothing(harness: Harness) -> None:
    members = [f"U{i:03d}" for i in range(12)]
    _start_round(harness, members)
    harness.fake.set_fault_rates(rate_429=0.2, rate_5xx=0.05, retry_after=0, seed=3)
    for _ in range(5):
        outbox.send_due_pulses(harness.deps)
        harness.clock.advance(timedelta(minutes=3))
    assert harness.fake.faults_served > 0
    assert pulse_dm_count(harness) == dict.fromkeys(members, 1)


def test_a_row_taken_over_while_waiting_in_a_batch_is_sent_once(harness: Harness) -> None:
    """Sender A claims a batch, is slow; past the claim timeout sender B takes the rest over. A must skip them."""
    members = [f"U{i:03d}" for i in range(3)]
    _start_round(harness, members)
    first = outbox._claim_batch(harness.deps, 20)
    assert first is not None
    claim_a, claimed = first
    rows = [delivery_id for delivery_id, _workspace in claimed]  # (id, workspace): each DM acts for its own
    assert len(rows) == 3
    assert outbox._send_one(harness.deps, rows[0], claim_a)  # A sends its first row, then stalls
    harness.clock.advance(timedelta(seconds=harness.deps.settings.outbox_claim_timeout_seconds + 1))
    second = outbox._claim_batch(harness.deps, 20)
    assert second is not None
    claim_b, taken_over_rows = second
    taken_over = [delivery_id for delivery_id, _workspace in taken_over_rows]
    assert sorted(taken_over) == sorted(rows[1:])
    # A wakes up before B has sent anything: its claim is no longer valid, so it sends nothing.
    assert [outbox._send_one(harness.deps, row, claim_a) for row in rows[1:]] == [False, False]
    assert [outbox._send_one(harness.deps, row, claim_b) for row in taken_over] == [True, True]
    assert pulse_dm_count(harness) == dict.fromkeys(members, 1)


def test_a_fan_out_closes_its_senders_connections(harness: Harness) -> None:
    members = [f"U{i:03d}" for i in range(8)]
    _start_round(harness, members)
    gc.collect()  # earlier tests' garbage is theirs: collect it before watching for this fan-out's sockets
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert outbox.send_due_pulses(harness.deps, senders=3) == 8
        gc.collect()
    # The sender threads end with the fan-out; their kept Slack connections are closed, not left to the GC.
    # Only sockets to this test's fake Slack count: another test's leftover thread may drop its own meanwhile.
    this_fake = harness.fake.base.rsplit(":", 1)[1]
    leaked = [
        w
        for w in caught
        if issubclass(w.category, ResourceWarning)
        and "socket" in str(w.message)
        and f"raddr=('127.0.0.1', {this_fake})" in str(w.message)
    ]
    assert not leaked
    assert pulse_dm_count(harness) == dict.fromkeys(members, 1)
