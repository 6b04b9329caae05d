"""The done-when of the foundation: a signed /pulse help over HTTP, its answer at the fake Slack."""

from __future__ import annotations

import json
import time
import urllib.parse

from tests.harness import Harness
from tests.slack.sender import sign


def test_signed_pulse_help_reaches_fake_slack(harness: Harness) -> None:
    harness.fake.add_user("U1", locale="en-US")
    response = harness.sender.command("/pulse", "help", user_id="U1")
    assert response.status == 200
    call = harness.fake.wait_for("response_url")[0]
    assert call.params["response_type"] == "ephemeral"
    text = json.dumps(call.params["blocks"])
    for command in ("/pulse setup", "/pulse schedule", "/pulse mute", "/win", "/cxreport", "/pulse delete-my-data"):
        assert command in text


def test_help_in_finnish_for_a_finnish_locale(harness: Harness) -> None:
    harness.fake.add_user("UFI", locale="fi-FI")
    harness.sender.command("/pulse", "", user_id="UFI")
    call = harness.fake.wait_for("response_url")[0]
    assert "Kaikille" in json.dumps(call.params["blocks"], ensure_ascii=False)


def test_unknown_subcommand_gets_help_and_names_it(harness: Harness) -> None:
    harness.fake.add_user("U1")
    harness.sender.command("/pulse", "frobnicate now", user_id="U1")
    call = harness.fake.wait_for("response_url")[0]
    blocks = json.dumps(call.params["blocks"])
    assert "Unknown command: `frobnicate`" in blocks
    assert "/pulse setup" in blocks


def _command_body() -> bytes:
    return urllib.parse.urlencode(
        {
            "command": "/pulse",
            "text": "help",
            "user_id": "U1",
            "team_id": "T0001",
            "channel_id": "C1",
            "response_url": "http://127.0.0.1:1/nowhere",
            "trigger_id": "1.2.3",
        }
    ).encode()


def test_forged_signature_gets_401_and_changes_nothing(harness: Harness) -> None:
    response = harness.sender.post_raw(
        _command_body(), content_type="application/x-www-form-urlencoded", signature="v0=" + "0" * 64
    )
    assert response.status == 401
    time.sleep(0.2)
    assert harness.fake.calls == []


def test_stale_signature_gets_401(harness: Harness) -> None:
    body = _command_body()
    stale = str(int(time.time()) - 6 * 60)
    response = harness.sender.post_raw(
        body,
        content_type="application/x-www-form-urlencoded",
        timestamp=stale,
        signature=sign("test-signing-secret-0123456789abcdef", stale, body),
    )
    assert response.status == 401
    time.sleep(0.2)
    assert harness.fake.calls == []


def test_health_check(harness: Harness) -> None:
    import urllib.request

    with urllib.request.urlopen(harness.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.load(response)["database"] == "ok"


def test_a_command_registered_with_a_help_key_is_in_pulse_help_for_its_audience() -> None:
    """A new slash command gets its /pulse help line from its own registration: no list in handlers/pulse.py."""
    from slack_bolt import App

    from handlers import registry

    app = App(token="xoxb-test", signing_secret="test", token_verification_enabled=False)
    registry.command(app, "/zz-scratch", help_key="zz_scratch", audience=registry.MANAGERS)(lambda ack: ack())
    try:
        assert "/zz-scratch" in registry.registered(app).commands  # the manifest test sees it
        assert "zz_scratch" in registry.command_help_keys(registry.MANAGERS)
        assert "zz_scratch" not in registry.command_help_keys(registry.EVERYONE)
    finally:
        registry._COMMAND_HELP.pop("/zz-scratch")
