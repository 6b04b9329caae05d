"""The ack-latency floor app answers signed Slack requests like any Bolt app, so `--floor` measures what it says."""

from __future__ import annotations

import pytest

from benchmarks.ack_floor_app import create_wsgi
from tests.harness import BOT_TOKEN, SIGNING_SECRET, serve_wsgi
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender


def test_floor_app_acks_commands_and_buttons_and_refuses_unsigned(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    with serve_wsgi(create_wsgi()) as url:
        sender = SlackRequestSender(url, SIGNING_SECRET, fake_slack)
        assert sender.command("/win", "We fixed it", user_id="U001").status == 200
        assert sender.command("/cxreport", "all", user_id="U001").status == 200
        clicked = sender.block_action(
            user_id="U001", action_id="pulse_answer_3", value="1:autonomy:3", block_id="pulse:1:autonomy"
        )
        assert clicked.status == 200
        unsigned = sender.post_raw(
            b"command=%2Fwin", content_type="application/x-www-form-urlencoded", signature="v0=0"
        )
        assert unsigned.status == 401
    # It only acks: no Web API call at all.
    assert fake_slack.calls == []
