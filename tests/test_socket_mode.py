"""Socket Mode end to end: `python -m bot socket` against a loopback server that speaks Slack's protocol.

A slash command, a button click and an event arrive as envelopes, are acknowledged by envelope_id and
answered at the fake Slack; Slack then recycles the connection (`warning`, `refresh_requested`) and the same
three work on the new connection, which the process opened with a fresh apps.connections.open ticket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET, TEAM_ID
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender
from tests.slack.socket_mode import FakeSocketModeServer

ROOT = Path(__file__).resolve().parents[1]
USER = "U0SOCK"


@pytest.fixture
def socket_server(fake_slack: FakeSlack) -> Iterator[FakeSocketModeServer]:
    with FakeSocketModeServer(fake_slack) as server:
        yield server


@pytest.fixture
def socket_process(
    fake_slack: FakeSlack, socket_server: FakeSocketModeServer, database_url: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PULSSI_SECRET_KEY": SECRET_KEY,
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    log = (tmp_path / "socket.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "socket"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()
        if process.returncode not in (0, -15):
            print((tmp_path / "socket.log").read_text(errors="replace")[-4000:])


def _exchange(fake: FakeSlack, server: FakeSocketModeServer, sender: SlackRequestSender, round_no: int) -> None:
    """A slash command, a button click and an event, each acknowledged and answered."""
    key = f"socket-help-{round_no}"
    command = sender.command_payload("/pulse", "help", user_id=USER, channel_id="C0SOCK", response_key=key)
    envelope_id = server.send_envelope("slash_commands", command)
    assert server.wait_ack(envelope_id)["envelope_id"] == envelope_id
    answer = fake.wait_for("response_url", predicate=lambda c: c.params.get("key") == key)[0]
    assert "/pulse setup" in json.dumps(answer.params["blocks"])

    opened_before = len(fake.calls_to("views.open"))
    click = sender.block_action_payload(
        user_id=USER, action_id="home_share_win", container={"type": "view", "view_id": "VHOME"}
    )
    envelope_id = server.send_envelope("interactive", click)
    server.wait_ack(envelope_id)
    opened = fake.wait_for("views.open", count=opened_before + 1)[-1]
    assert opened.params["trigger_id"] == click["trigger_id"]
    assert opened.answer is not None and opened.answer["ok"] is True

    published_before = len(fake.calls_to("views.publish"))
    event = sender.event_envelope({"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home"})
    envelope_id = server.send_envelope("events_api", event)
    assert server.wait_ack(envelope_id) == {"envelope_id": envelope_id}  # events are only acknowledged
    published = fake.wait_for("views.publish", count=published_before + 1)[-1]
    assert published.params["user_id"] == USER


def test_socket_mode_commands_clicks_and_events_survive_a_refresh(
    fake_slack: FakeSlack, socket_server: FakeSocketModeServer, socket_process: subprocess.Popen[bytes]
) -> None:
    fake_slack.add_user(USER)
    sender = SlackRequestSender("http://unused", SIGNING_SECRET, fake_slack, team_id=TEAM_ID)
    first = socket_server.wait_connected(timeout=60)
    assert socket_process.poll() is None
    _exchange(fake_slack, socket_server, sender, 1)

    tickets_before = len(fake_slack.calls_to("apps.connections.open"))
    second = socket_server.request_refresh()
    assert second.ticket != first.ticket
    assert first.closed.is_set()
    # Each reconnect asked the fake Slack for a fresh URL; an old ticket would have been refused.
    assert len(fake_slack.calls_to("apps.connections.open")) > tickets_before
    assert socket_server.refused_tickets == []
    _exchange(fake_slack, socket_server, sender, 2)
    assert socket_server.unexpected_frames == []


def test_a_malformed_envelope_is_acknowledged_and_the_next_one_handled(
    fake_slack: FakeSlack, socket_server: FakeSocketModeServer, socket_process: subprocess.Popen[bytes]
) -> None:
    fake_slack.add_user(USER)
    sender = SlackRequestSender("http://unused", SIGNING_SECRET, fake_slack, team_id=TEAM_ID)
    socket_server.wait_connected(timeout=60)
    broken = sender.view_submission_payload(user_id=USER, callback_id="win_modal", values={})
    del broken["view"]["type"]  # Bolt indexes view.type; unacknowledged, Slack would redeliver it for ever
    envelope_id = socket_server.send_envelope("interactive", broken)
    assert socket_server.wait_ack(envelope_id) == {"envelope_id": envelope_id}
    time.sleep(0.2)
    _exchange(fake_slack, socket_server, sender, 1)


def test_an_org_wide_grid_install_over_socket_mode(
    fake_slack: FakeSlack,
    socket_server: FakeSocketModeServer,
    socket_process: subprocess.Popen[bytes],
    database_url: str,
) -> None:
    """Enterprise Grid over Socket Mode: org-wide payloads (`team: null`, the org in `enterprise`) set up a
    channel made in one workspace of the org as a team of the org's installation, and a person of the other
    workspace mutes themselves in it."""
    from storage.db import Database
    from storage.models import Person, Team

    fake_slack.make_org("E0PULSSI")
    for user, team in (("WADMIN", "T0A"), ("WA1", "T0A"), ("WB1", "T0B")):
        fake_slack.add_grid_user(user, team, is_org_admin=user == "WADMIN")
    fake_slack.add_channel(
        "C0SHARED", "support", ["WA1", "WB1", "UBOT"], host_team_id="T0A", shared_team_ids=["T0A", "T0B"]
    )
    in_a = SlackRequestSender(
        "http://unused", SIGNING_SECRET, fake_slack, team_id="T0A", enterprise_id="E0PULSSI", org_install=True
    )
    in_b = SlackRequestSender(
        "http://unused", SIGNING_SECRET, fake_slack, team_id="T0B", enterprise_id="E0PULSSI", org_install=True
    )
    socket_server.wait_connected(timeout=60)

    command = in_a.command_payload(
        "/pulse", "setup", user_id="WADMIN", channel_id="C0SHARED", response_key="grid-setup"
    )
    socket_server.wait_ack(socket_server.send_envelope("slash_commands", command))
    answer = fake_slack.wait_for("response_url", predicate=lambda c: c.params.get("key") == "grid-setup")
    assert "Pulssi team" in json.dumps(answer[0].params)
    click = in_b.block_action_payload(
        user_id="WB1", action_id="home_toggle_mute", value="mute", container={"type": "view", "view_id": "VHOME"}
    )
    assert click["team"] is None and click["is_enterprise_install"] is True
    socket_server.wait_ack(socket_server.send_envelope("interactive", click))
    fake_slack.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == "WB1")

    db = Database(database_url)
    try:
        with db.session_scope() as session:
            [team] = session.exec(select(Team)).all()
            assert (team.workspace_id, team.slack_team_id) == ("E0PULSSI", "T0A")
            muted = session.exec(select(Person.workspace_id).where(Person.user_id == "WB1", Person.muted)).all()
            assert list(muted) == ["E0PULSSI"]  # the org's installation, not workspace B
    finally:
        db.dispose()
