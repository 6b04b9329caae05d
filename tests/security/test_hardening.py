"""Secrets never reach logs; malformed payloads never produce a 5xx or a stack trace; workspaces are isolated."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.harness import BOT_TOKEN, SIGNING_SECRET, Harness
from tests.pulse_helpers import ADMIN, CHANNEL, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]


def test_tokens_and_signing_secret_never_logged(harness: Harness, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, 5)
    harness.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    harness.sender.command("/pulse", "help", user_id="U001", channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Unknown" not in json.dumps(c.params))
    logging.getLogger("test").debug("a token in a message: %s and %s", BOT_TOKEN, "xoxb-123-456-abc")
    text = caplog.text
    assert len(caplog.records) > 20, "debug logging should have captured the Slack traffic"
    assert BOT_TOKEN not in text
    assert "xoxb-123-456-abc" not in text
    assert SIGNING_SECRET not in text
    assert "[redacted]" in text


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=50), st.text(min_size=3000, max_size=5000)
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)

ACTION_IDS = [
    "pulse_answer_3",
    "pulse_comment",
    "delete_my_data_keep_wins",
    "home_toggle_mute",
    "home_share_win",
    "home_settings_schedule",
    "home_settings_managers",
    "home_delete_my_data",
    "win_overflow",
    "home_settings_setup",
    "home_settings_cxfeed",
    "home_settings_winschannel",
    "home_open_report",
]
CALLBACKS = [
    "pulse_comment_modal",
    "pulse_schedule_modal",
    "home_managers_modal",
    "home_cxfeed_modal",
    "home_delete_modal",
    "win_modal",
    "win_edit_modal",
    "win_delete_modal",
    "home_setup_modal",
    "home_winschannel_modal",
]


def _assert_no_5xx(response: Any) -> None:
    assert response.status < 500, response.text
    assert "Traceback" not in response.text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(action_id=st.sampled_from(ACTION_IDS), value=JSONISH, extra=JSONISH)
def test_malformed_block_actions(harness: Harness, action_id: str, value: Any, extra: Any) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U001", "team_id": "T0001"},
        "team": {"id": "T0001"},
        "api_app_id": "A1",
        "trigger_id": "1.2",
        "actions": [{"action_id": action_id, "value": value, "block_id": extra}],
        "container": extra,
        "view": extra,
        "message": extra,
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    _assert_no_5xx(harness.sender.post_raw(body, content_type="application/x-www-form-urlencoded"))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    callback=st.sampled_from(CALLBACKS),
    values=JSONISH,
    metadata=JSONISH,
    view_type=st.sampled_from([None, "modal"]) | JSONISH,
)
# The intermittent 500: a view with no `type` (Bolt reads body["view"]["type"] while building any
# listener's arguments), with metadata and values that pass every other check.
@example(callback="pulse_comment_modal", values={}, metadata="", view_type=None)
@example(callback="win_modal", values={"a": {"b": {}}}, metadata="x", view_type=None)
# Well-formed enough to reach the listeners, so their handling of odd values is exercised too.
@example(callback="home_setup_modal", values={"channel": {"value": {}}}, metadata="", view_type="modal")
def test_malformed_view_submissions(
    harness: Harness, callback: str, values: Any, metadata: Any, view_type: Any
) -> None:
    view = {"id": "V1", "callback_id": callback, "private_metadata": metadata, "state": {"values": values}}
    if view_type is not None:
        view["type"] = view_type
    payload = {
        "type": "view_submission",
        "user": {"id": "U001", "team_id": "T0001"},
        "team": {"id": "T0001"},
        "api_app_id": "A1",
        "view": view,
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    _assert_no_5xx(harness.sender.post_raw(body, content_type="application/x-www-form-urlencoded"))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    command=st.sampled_from(["/pulse", "/win", "/cxreport"]),
    text=st.text(max_size=400) | st.text(min_size=5000, max_size=6000),
)
def test_arbitrary_command_text(harness: Harness, command: str, text: str) -> None:
    _assert_no_5xx(harness.sender.command(command, text, user_id="U001", channel_id=CHANNEL))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    event_type=st.sampled_from(["app_home_opened", "member_joined_channel", "reaction_added", "reaction_removed"]),
    fields=st.dictionaries(st.sampled_from(["user", "channel", "item", "tab", "reaction", "inviter"]), JSONISH),
)
def test_malformed_events(harness: Harness, event_type: str, fields: dict[str, Any]) -> None:
    _assert_no_5xx(harness.sender.event({"type": event_type, **fields}))


def test_garbage_bodies_are_refused_without_a_trace(harness: Harness) -> None:
    for body, content_type in [
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/json"),
        (b"{}", "application/json"),
        (b"", "application/x-www-form-urlencoded"),
    ]:
        _assert_no_5xx(harness.sender.post_raw(body, content_type=content_type))


def test_two_workspaces_never_see_each_other(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, 5)
    harness.fake.clear_calls()
    # A person of another workspace, in a channel with the same id, asks for the status.
    harness.fake.add_user("UOTHER", team_id="T0002", is_admin=True)
    other = harness.sender.__class__(harness.url, SIGNING_SECRET, harness.fake, team_id="T0002")
    other.command("/pulse", "status", user_id="UOTHER", channel_id=CHANNEL)
    answer = harness.fake.wait_for("response_url")[0].params["text"]
    assert "isn't a Pulssi team yet" in answer
    other.command("/pulse", "close", user_id="UOTHER", channel_id=CHANNEL)
    assert "isn't a Pulssi team yet" in harness.fake.wait_for("response_url", count=2)[1].params["text"]
    with harness.db.session_scope() as session:
        from sqlalchemy import text

        assert session.execute(text("select status from pulse_round")).scalar_one() == "open"
