"""Real processes on one PostgreSQL: gunicorn with several workers, and two clocks started by mistake."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.conftest import BOTH_BACKENDS
from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET, Harness
from tests.processes import free_port, wait_http
from tests.pulse_helpers import make_team, pulse_dm_count
from tests.slack.sender import SlackRequestSender

ROOT = Path(__file__).resolve().parents[2]


def _env(harness: Harness, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PULSSI_SECRET_KEY": SECRET_KEY,
        "SLACK_API_URL": harness.fake.url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_gunicorn_serve_with_several_workers(harness: Harness, database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = _env(harness, database_url, PORT=str(port), WEB_CONCURRENCY="3")
    with (tmp_path / "serve.log").open("wb") as log:  # a file, not a pipe nobody reads (a full one stalls gunicorn)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        harness.fake.add_user("U001")
        sender = SlackRequestSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, harness.fake)
        for _ in range(12):
            assert sender.command("/pulse", "help", user_id="U001").status == 200
        harness.fake.wait_for("response_url", count=12, timeout=30)
        forged = sender.post_raw(
            b"command=%2Fpulse", content_type="application/x-www-form-urlencoded", signature="v0=" + "0" * 64
        )
        assert forged.status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


@BOTH_BACKENDS
def test_two_clocks_by_mistake_send_each_dm_once(harness: Harness, database_url: str) -> None:
    members = [f"U{i:03d}" for i in range(10)]
    make_team(harness, members)
    # A schedule that is due right now, in real time: today, 00:01 local.
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Helsinki"))
    with harness.db.session_scope() as session:
        session.execute(
            text("update team set every_weeks = 1, weekday = :weekday, at_time = '00:01', anchor_date = :anchor"),
            {"weekday": today.weekday(), "anchor": today.date()},
        )
    env = _env(harness, database_url, SCHEDULER_TICK_SECONDS="1")
    clocks = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "clock"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(pulse_dm_count(harness)) < len(members):
            time.sleep(0.2)
        time.sleep(3)  # let both clocks tick a few more times
    finally:
        for clock in clocks:
            clock.send_signal(signal.SIGTERM)
        for clock in clocks:
            clock.wait(30)
    assert pulse_dm_count(harness) == dict.fromkeys(members, 1)
    with harness.db.session_scope() as session:
        assert session.execute(text("select count(*) from pulse_round")).scalar_one() == 1
