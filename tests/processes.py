"""Real `python -m bot` processes for tests: started against the fake Slack, stderr kept in a file."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.services import schedule_lease
from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET, Harness
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


def process_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "LOG_LEVEL"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PULSSI_SECRET_KEY": SECRET_KEY,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "SCHEDULER_TICK_SECONDS": "1",
        "SCHEDULE_LEASE_SECONDS": "3",
        **extra,
    }


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A loopback port free now, for a server the test starts next. Taken from below the kernel's ephemeral range:
    a port found with bind(0) lies in that range, and between our check and the server's bind the kernel may hand it
    to any outgoing connection (the test's own calls to the fake Slack), and the server fails to start."""
    low = _ephemeral_low()
    picker = random.Random()  # not the global generator: Hypothesis watches that one
    for _ in range(200):
        port = picker.randrange(10000, low) if low > 10001 else 0
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise AssertionError("no free loopback port below the ephemeral range")


@dataclass
class Running:
    """A `python -m bot <mode>` process whose stderr goes to a file the test reads."""

    mode: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, fragment: str, timeout: float = 60, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stderr().count(fragment) >= count:
                return
            if self.process.poll() is not None:
                raise AssertionError(f"{self.mode} exited with {self.process.returncode}:\n{self.stderr()}")
            time.sleep(0.1)
        raise AssertionError(f"{self.mode} never logged {fragment!r}:\n{self.stderr()}")

    def terminate(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def launch(mode: str, env: dict[str, str], *, serve_port: bool = False) -> Running:
        log = tmp_path / f"{mode}-{len(started)}.log"
        port = free_port() if serve_port else None
        if port is not None:
            env = {**env, "PORT": str(port), "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "1")}
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", mode], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr
            )
        running = Running(mode, process, log, port)
        started.append(running)
        return running

    yield launch
    for running in started:
        running.kill()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def wait_http(url: str, timeout: float = 60) -> None:
    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            return False

    wait_until(answers, timeout, url)


def due_now(harness: Harness) -> None:
    """The test team's schedule: weekly, today, 00:01 local, so its round is due at the next tick."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Helsinki"))
    with harness.db.session_scope() as session:
        session.execute(
            text("update team set every_weeks = 1, weekday = :weekday, at_time = '00:01', anchor_date = :anchor"),
            {"weekday": today.weekday(), "anchor": today.date()},
        )


def holder(harness: Harness) -> str | None:
    return schedule_lease.current(harness.db).holder
