"""Deployment shapes with real processes: `serve` ×2 + `clock` on one PostgreSQL, and `serve` alone.

Every process carries the scheduler; the schedule lease lets exactly one run it. A round runs end to end
(DMs sent once each, closed when its window ends, the digest posted once), and when the holder is killed
another process takes the schedule over within a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.timeutil import from_db
from storage.models import PulseRound
from tests.harness import SIGNING_SECRET, Harness
from tests.processes import Running, due_now, holder, process_env, start, wait_http, wait_until
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, pulse_dm_count, pulse_messages
from tests.slack.sender import SlackRequestSender

__all__ = ["start"]  # the fixture

MEMBERS = [f"U{i:03d}" for i in range(6)]


def _digests(harness: Harness) -> int:
    return len([c for c in harness.fake.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL])


def _close_soon(harness: Harness, seconds: float) -> datetime:
    """The open round's window ends in `seconds` (as if its last working day were ending now)."""
    closes_at = datetime.now(UTC) + timedelta(seconds=seconds)
    with harness.db.session_scope() as session:
        session.execute(text("update pulse_round set closes_at = :at where status = 'open'"), {"at": closes_at})
    return closes_at


def _round_closes_on_schedule_with_one_digest(harness: Harness, digests_before: int) -> None:
    closes_at = _close_soon(harness, 3)
    wait_until(lambda: _digests(harness) > digests_before, 60, "the digest")
    with harness.db.session_scope() as session:
        newest = session.exec(select(PulseRound).order_by(col(PulseRound.id).desc())).first()
    assert newest is not None and newest.status == "closed" and newest.closed_at is not None
    closed_at = from_db(newest.closed_at)
    assert closes_at <= closed_at < closes_at + timedelta(seconds=30)  # closed by the tick, at its time
    time.sleep(3)  # every process ticks a few more times
    assert _digests(harness) == digests_before + 1


def _answer(harness: Harness, senders: list[SlackRequestSender], users: list[str]) -> None:
    dms = pulse_messages(harness)
    for index, user in enumerate(users):
        response = click(harness, user, dms[user], "autonomy", 4, sender=senders[index % len(senders)])
        assert response.status == 200
    wait_until(lambda: len(harness.fake.calls_to("chat.postEphemeral")) >= len(users), 30, "the answers to be recorded")


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_serve_twice_and_clock_run_one_round_and_hand_the_schedule_over(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    make_team(harness, MEMBERS)
    env = process_env(harness.fake, database_url, LOG_LEVEL="INFO")
    clock = start("clock", env)
    clock.wait_log("pulssi clock started")
    assert "schedule holder: yes" in clock.stderr()
    serves = [start("serve", env, serve_port=True) for _ in range(2)]
    for serve in serves:
        wait_http(f"http://127.0.0.1:{serve.port}/healthz")
        serve.wait_log("pulssi serve started")
        assert "schedule holder: no" in serve.stderr()
    senders = [SlackRequestSender(f"http://127.0.0.1:{s.port}", SIGNING_SECRET, harness.fake) for s in serves]

    # The scheduled round: started once, each DM sent once, answered through both web processes.
    due_now(harness)
    wait_until(lambda: len(pulse_dm_count(harness)) == len(MEMBERS), 60, "every pulse DM")
    _answer(harness, senders, MEMBERS[:5])
    _round_closes_on_schedule_with_one_digest(harness, digests_before=0)
    assert pulse_dm_count(harness) == dict.fromkeys(MEMBERS, 1)

    # The holder dies without a word: another process takes the schedule over within a minute.
    old_holder = holder(harness)
    assert old_holder is not None and old_holder.startswith("clock-")
    clock.kill()
    died = time.monotonic()
    wait_until(lambda: holder(harness) not in (None, old_holder), 60, "another process to take the schedule")
    assert time.monotonic() - died < 60
    new_holder = holder(harness)
    assert new_holder is not None and new_holder.startswith("serve-")

    # ... and runs it: a manual round from the other web process is closed by the new holder's tick.
    assert senders[1].command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL).status == 200
    wait_until(lambda: pulse_dm_count(harness) == dict.fromkeys(MEMBERS, 2), 60, "the manual round's DMs")
    _round_closes_on_schedule_with_one_digest(harness, digests_before=1)
    for serve in serves:
        assert serve.terminate() == 0
    assert holder(harness) is None


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_serve_alone_runs_rounds_closes_and_digests(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    make_team(harness, MEMBERS)
    serve = start("serve", process_env(harness.fake, database_url, WEB_CONCURRENCY="2"), serve_port=True)
    wait_http(f"http://127.0.0.1:{serve.port}/healthz")
    serve.wait_log("pulssi serve started", count=2)  # one line per web worker
    assert serve.stderr().count("schedule holder: yes") == 1
    sender = SlackRequestSender(f"http://127.0.0.1:{serve.port}", SIGNING_SECRET, harness.fake)
    due_now(harness)
    wait_until(lambda: len(pulse_dm_count(harness)) == len(MEMBERS), 60, "every pulse DM")
    _answer(harness, [sender], MEMBERS[:5])
    _round_closes_on_schedule_with_one_digest(harness, digests_before=0)
    assert pulse_dm_count(harness) == dict.fromkeys(MEMBERS, 1)
    assert serve.terminate() == 0
