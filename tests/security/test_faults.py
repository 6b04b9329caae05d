"""Faults against real parts: PostgreSQL restarted mid-run, Slack slower than Slack's 3-second ack limit."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.harness import FrozenClock, Harness, running_app
from tests.pg_cluster import PgCluster, find_bindir
from tests.pulse_helpers import ADMIN, CHANNEL, make_team
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def restartable_postgres() -> Iterator[PgCluster]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL server binaries are required in CI")
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        from storage.migrate import upgrade_to_head

        upgrade_to_head(cluster.url)
        yield cluster
    finally:
        cluster.destroy()


def _health(harness: Harness) -> int:
    try:
        with urllib.request.urlopen(harness.url + "/healthz", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.postgres
def test_postgres_restart_mid_run(fake_slack: FakeSlack, restartable_postgres: PgCluster) -> None:
    with running_app(fake_slack, restartable_postgres.url, FrozenClock()) as harness:
        make_team(harness, ["U001", "U002", "U003"])
        restartable_postgres.stop()
        response = harness.sender.command("/pulse", "status", user_id=ADMIN, channel_id=CHANNEL)
        assert response.status == 200  # acked; the database trouble is told to the person, not to Slack
        reply = harness.fake.wait_for("response_url", timeout=30)[0]
        assert "can't reach its database" in reply.params["text"]
        assert _health(harness) == 503
        restartable_postgres.start()
        assert _health(harness) == 200
        harness.fake.clear_calls()
        harness.sender.command("/pulse", "status", user_id=ADMIN, channel_id=CHANNEL)
        status = harness.fake.wait_for("response_url", timeout=30)[0]
        assert "Pulssi team" in json.dumps(status.params)


def test_ack_does_not_wait_for_a_slow_slack(harness: Harness) -> None:
    harness.fake.add_user("U001")
    harness.fake.set_latency(4.0)  # every Web API answer takes longer than Slack's 3-second ack limit
    response = harness.sender.command("/pulse", "help", user_id="U001")
    assert response.status == 200
    # The ack came back before Slack had answered anything: nothing is recorded until an answer is sent.
    assert harness.fake.calls_to("users.info") == []
    harness.fake.wait_for("response_url")
