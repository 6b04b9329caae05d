"""Helpers for pulse tests: set up a team, find each person's pulse DM, click answers like Slack does."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlmodel import select

from storage.models import Win
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.slack.sender import SlackRequestSender

ADMIN = "UADMIN"
CHANNEL = "C0TEAM"


def make_team(
    harness: Harness,
    members: list[str],
    *,
    tz: dict[str, str] | None = None,
    channel: str = CHANNEL,
    name: str = "support",
) -> None:
    fake = harness.fake
    fake.add_user(ADMIN, is_admin=True)
    for user in members:
        fake.add_user(user, tz=(tz or {}).get(user, "Europe/Helsinki"))
    fake.add_user("UOTHERBOT", is_bot=True)
    fake.add_user("UGONE", deleted=True)
    fake.add_channel(channel, name, [*members, "UBOT", "UOTHERBOT", "UGONE"])
    response = harness.sender.command("/pulse", "setup", user_id=ADMIN, channel_id=channel, channel_name=name)
    assert response.status == 200
    harness.fake.wait_for("response_url", predicate=lambda c: "Pulssi" in json.dumps(c.params))
    harness.fake.clear_calls()


def pulse_messages(harness: Harness) -> dict[str, tuple[str, str, list[dict[str, Any]]]]:
    """user id -> (dm channel, ts, blocks) of the newest pulse DM (not the onboarding note)."""
    found: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
    for (channel, ts), message in harness.fake.messages.items():
        blocks = message.get("blocks") or []
        if any(str(b.get("block_id", "")).startswith("pulse:") for b in blocks):
            user = channel[1:] if channel.startswith("D") else channel
            if user not in found or float(ts) > float(found[user][1]):
                found[user] = (channel, ts, blocks)  # the newest round's DM
    return found


def pulse_dm_count(harness: Harness) -> dict[str, int]:
    """user id -> how many pulse DMs Slack actually accepted (faulted calls don't count). Read from the posts,
    not the messages: a closed round's DMs are all edited to the same closed notice."""
    counts: dict[str, int] = {}
    for call in harness.fake.calls_to("chat.postMessage"):
        answer = call.answer or {}
        if not (answer.get("ok") or answer.get("_http_status")):  # accepted, or done and then answered 5xx
            continue
        blocks = call.params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if any(str(b.get("block_id", "")).startswith("pulse:") for b in blocks):
            channel = str(call.params.get("channel") or "")
            user = channel[1:] if channel.startswith("D") else channel
            counts[user] = counts.get(user, 0) + 1
    return counts


def button_value(blocks: list[dict[str, Any]], question: str, value: int) -> str:
    for block in blocks:
        if str(block.get("block_id", "")).endswith(f":{question}") and block.get("type") == "actions":
            for element in block["elements"]:
                if element.get("value", "").endswith(f":{question}:{value}"):
                    return str(element["value"])
    raise AssertionError(f"no button for {question}={value}")


def click(
    harness: Harness,
    user: str,
    dm: tuple[str, str, list[dict[str, Any]]],
    question: str,
    value: int,
    sender: SlackRequestSender | None = None,
) -> Any:
    """Click an answer button on a pulse DM (through `sender`, e.g. a `serve` process, else the harness app)."""
    channel, ts, blocks = dm
    return (sender or harness.sender).block_action(
        user_id=user,
        action_id=f"pulse_answer_{value}",
        value=button_value(blocks, question, value),
        block_id=f"pulse:x:{question}",
        channel_id=channel,
        container={"type": "message", "channel_id": channel, "message_ts": ts, "is_ephemeral": False},
        message={"ts": ts, "blocks": blocks, "text": "pulse"},
    )


def wait_pulse_dms(
    harness: Harness, count: int, timeout: float = WAIT_SECONDS
) -> dict[str, tuple[str, str, list[dict[str, Any]]]]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = pulse_messages(harness)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def click_comment_button(harness: Harness, user: str, dm: tuple[str, str, list[dict[str, Any]]]) -> str:
    """The person clicks "Add a comment" under their pulse DM (Pulssi then opens the comment modal); returns
    the round id the button carries."""
    channel, ts, blocks = dm
    round_id = next(
        e["value"]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == "pulse_comment"
    )
    harness.sender.block_action(
        user_id=user,
        action_id="pulse_comment",
        value=round_id,
        container={"type": "message", "channel_id": channel, "message_ts": ts},
    )
    return str(round_id)


def submit_comment(harness: Harness, user: str, modal: dict[str, Any], comment: str) -> Any:
    """The person sends the comment modal Pulssi opened; returns Slack's view of our answer."""
    return harness.sender.view_submission(
        user_id=user,
        callback_id="pulse_comment_modal",
        private_metadata=modal["private_metadata"],
        values={"comment": {"text": {"type": "plain_text_input", "value": comment}}},
    )


def wins_in_db(harness: Harness) -> list[Win]:
    with harness.db.session_scope() as session:
        found = list(session.exec(select(Win)).all())
        session.expunge_all()
        return found


def stored_polarity(harness: Harness) -> float:
    """The first win's polarity once read: after the celebration, and a process's first Finnish reading loads
    the lemmatiser (a minute on a loaded test machine)."""
    deadline = time.monotonic() + 120
    while (polarity := wins_in_db(harness)[0].polarity) is None:
        assert time.monotonic() < deadline, "the story's tone was never read"
        time.sleep(0.05)
    return polarity
