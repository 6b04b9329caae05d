"""Start and stop like a service, with real `python -m bot` processes against the fake Slack.

SIGTERM: work in flight finishes, the schedule lease is given up, exit 0. Refused tokens stop the start
with one line and exit 2; Slack unreachable is retried with one line per try; an unreachable database is
one line. At INFO a process logs one line when it starts (and one when it stops), nothing per tick.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.harness import SIGNING_SECRET, Harness
from tests.patience import WAIT_SECONDS
from tests.processes import Running, due_now, free_port, holder, process_env, start, wait_http, wait_until
from tests.pulse_helpers import make_team, pulse_dm_count
from tests.slack.sender import SlackRequestSender

__all__ = ["start"]  # the fixture


# ---------------------------------------------------------------------------------------------- SIGTERM


def test_clock_at_info_logs_one_line_and_on_sigterm_finishes_the_dms_in_flight(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    members = [f"U{i:03d}" for i in range(8)]
    make_team(harness, members)
    due_now(harness)
    harness.fake.set_latency(0.25)  # each DM takes a while: SIGTERM lands in the middle of the fan-out
    clock = start("clock", process_env(harness.fake, database_url, LOG_LEVEL="INFO", OUTBOX_SENDERS="1"))
    clock.wait_log("pulssi clock started")
    wait_until(lambda: len(pulse_dm_count(harness)) >= 1, 60, "the first DM")
    assert clock.terminate() == 0
    # Every DM the tick had taken on went out before the process ended, each once.
    assert pulse_dm_count(harness) == dict.fromkeys(members, 1)
    assert holder(harness) is None  # the lease was given up, not left to run out
    lines = clock.stderr().strip().splitlines()
    assert len(lines) == 2, clock.stderr()  # no Alembic, APScheduler or Slack chatter at INFO
    assert "pulssi clock started" in lines[0]
    assert "database sqlite" in lines[0] and "schedule holder: yes" in lines[0] and "default language" in lines[0]
    assert "pulssi clock stopped" in lines[1]


def test_serve_on_sigterm_finishes_listeners_in_flight_and_exits_0(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    serve = start("serve", process_env(harness.fake, database_url, LOG_LEVEL="INFO"), serve_port=True)
    wait_http(f"http://127.0.0.1:{serve.port}/healthz")
    serve.wait_log("pulssi serve started")
    wait_until(lambda: holder(harness) is not None, WAIT_SECONDS, "the serve worker to hold the schedule")
    harness.fake.add_user("U001")
    harness.fake.set_latency(2.0)  # the listener's answer (to response_url) is slow
    sender = SlackRequestSender(f"http://127.0.0.1:{serve.port}", SIGNING_SECRET, harness.fake)
    assert sender.command("/pulse", "help", user_id="U001").status == 200  # acked
    assert harness.fake.calls_to("response_url") == []
    assert serve.terminate() == 0
    assert len(harness.fake.calls_to("response_url")) == 1  # the listener in flight finished first
    assert holder(harness) is None
    lines = serve.stderr().strip().splitlines()
    assert [line for line in lines if "started" in line or "listening" in line] == lines[:2], serve.stderr()
    assert "Traceback" not in serve.stderr()
    assert not [line for line in lines if "alembic" in line.lower() or "apscheduler" in line.lower()]
    assert not [line for line in lines if "token will be unused" in line]


def test_socket_on_sigterm_gives_the_schedule_up_and_exits_0(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    socket_mode = start("socket", process_env(harness.fake, database_url, SLACK_APP_TOKEN=harness.fake.app_token))
    socket_mode.wait_log("pulssi socket started")
    wait_until(lambda: holder(harness) is not None, WAIT_SECONDS, "the socket process to hold the schedule")
    assert socket_mode.terminate() == 0
    assert holder(harness) is None
    log = socket_mode.stderr()
    assert "Traceback" not in log
    # Bolt's Socket Mode notes (it logs them through loggers set to the root's level) stay quiet at INFO.
    assert "INFO slack_bolt" not in log and "INFO slack_sdk" not in log, log


# ---------------------------------------------------------------------------------------------- start


@pytest.mark.parametrize(
    ("mode", "extra", "name"),
    [
        ("clock", {"SLACK_BOT_TOKEN": "xoxb-not-the-real-one"}, "SLACK_BOT_TOKEN"),
        ("serve", {"SLACK_BOT_TOKEN": "xoxb-not-the-real-one"}, "SLACK_BOT_TOKEN"),
        ("socket", {"SLACK_APP_TOKEN": "xapp-not-the-real-one"}, "SLACK_APP_TOKEN"),
    ],
)
def test_a_token_slack_refuses_stops_the_start_with_one_line_and_exit_2(
    harness: Harness, database_url: str, start: Callable[..., Running], mode: str, extra: dict[str, str], name: str
) -> None:
    env = process_env(harness.fake, database_url, **{"SLACK_APP_TOKEN": harness.fake.app_token, **extra})
    running = start(mode, env)
    assert running.process.wait(60) == 2
    lines = running.stderr().strip().splitlines()
    assert len(lines) == 1, running.stderr()
    assert name in lines[0] and "invalid_auth" in lines[0]


def test_the_example_values_are_refused_pointing_to_the_readme(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    running = start("serve", process_env(harness.fake, database_url, SLACK_BOT_TOKEN="xoxb-your-bot-token"))
    assert running.process.wait(60) == 2
    lines = running.stderr().strip().splitlines()
    assert len(lines) == 1, running.stderr()
    assert "SLACK_BOT_TOKEN" in lines[0] and "still the example value" in lines[0] and "README" in lines[0]
    assert harness.fake.calls_to("auth.test") == []  # refused before asking Slack


def test_slack_unreachable_at_start_is_retried_one_line_at_a_time(
    harness: Harness, database_url: str, start: Callable[..., Running]
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    running = start("clock", process_env(harness.fake, database_url, SLACK_API_URL=nowhere))
    running.wait_log("Slack unreachable", count=2, timeout=30)
    assert running.terminate() == 0
    log = running.stderr()
    assert "Traceback" not in log
    lines = log.strip().splitlines()
    assert all("Slack unreachable" in line and "trying again" in line for line in lines), log
    assert holder(harness) is None  # nothing started


def test_a_database_that_cannot_be_reached_is_one_line(harness: Harness, start: Callable[..., Running]) -> None:
    nowhere = f"postgresql://pulssi:secret-password@127.0.0.1:{free_port()}/pulssi"
    running = start("clock", process_env(harness.fake, nowhere))
    assert running.process.wait(60) == 1
    lines = running.stderr().strip().splitlines()
    assert len(lines) == 1, running.stderr()
    assert "database did not answer" in lines[0] and "127.0.0.1" in lines[0]
    assert "secret-password" not in lines[0]


def test_migrate_says_one_line_not_alembics(harness: Harness, database_url: str, start: Callable[..., Running]) -> None:
    running = start("migrate", process_env(harness.fake, database_url, LOG_LEVEL="INFO"))
    assert running.process.wait(60) == 0
    lines = running.stderr().strip().splitlines()
    assert len(lines) == 1 and "database is at the newest schema" in lines[0], running.stderr()
