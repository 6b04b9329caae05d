"""Attack: a Slack admin with exports (or anyone holding the bot token) reads what Pulssi posted and edited.

Slack keeps every message and every edit (exports, legal holds, conversations.history). Ephemeral notes and
modals are not kept. The test runs a round in which people answer in the DM, on Home, comment, or do nothing,
and checks every chat.postMessage, chat.update and views.publish the fake Slack received: none may differ
between someone who answered and someone who didn't, and none may show an answer.
"""

from __future__ import annotations

import json
import time
from typing import Any

# Loaded with this module, not inside a test: pytest's rewrite calls ast.parse, which CPython 3.11 cannot run
# beside the app's threads formatting a traceback (SystemError: AST constructor recursion depth mismatch).
import tests.handlers.test_tough  # noqa: F401
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import (
    ADMIN,
    CHANNEL,
    button_value,
    click,
    click_comment_button,
    make_team,
    submit_comment,
    wait_pulse_dms,
)

MEMBERS = [f"USLACK{i}" for i in range(1, 7)]
COMMENT = "Fewer meetings on Fridays"


def _home(harness: Harness, user: str) -> list[dict[str, Any]]:
    before = len(harness.fake.calls_to("views.publish"))
    harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", count=before + 1, predicate=None)
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
    return list(harness.fake.home_views[user]["blocks"])


def _kept_calls(harness: Harness) -> list[Any]:
    """What Slack keeps: messages posted and edited, and published Home views."""
    return [
        call
        for method in ("chat.postMessage", "chat.update", "views.publish")
        for call in harness.fake.calls_to(method)
    ]


def test_slack_keeps_nothing_that_shows_an_answer_or_who_answered(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    posted = {user: json.dumps(dms[user][2]) for user in MEMBERS}
    # USLACK1-3 answer in their DM, USLACK4 on Home, USLACK5 only comments, USLACK6 does nothing.
    for user, value in (("USLACK1", 5), ("USLACK2", 1), ("USLACK3", 3)):
        for question in ("autonomy", "competence", "belonging"):
            assert click(harness, user, dms[user], question, value).status == 200
    harness.fake.wait_for("chat.postEphemeral", count=9)
    home_before = _home(harness, "USLACK4")
    harness.sender.block_action(
        user_id="USLACK4",
        action_id="pulse_answer_2",
        value=button_value(home_before, "autonomy", 2),
        block_id="pulse:x:autonomy",
        container={"type": "view", "view_id": "VHOME4"},
        view={"id": "VHOME4", "type": "home", "blocks": home_before},
    )
    confirmation = harness.fake.wait_for("views.open")[0].params["view"]  # a modal: not kept by Slack
    assert "2" in json.dumps(confirmation)
    click_comment_button(harness, "USLACK5", dms["USLACK5"])
    modal = harness.fake.wait_for("views.open", count=2)[1].params["view"]
    submit_comment(harness, "USLACK5", modal, COMMENT)
    harness.fake.wait_for("chat.postEphemeral", count=10)

    # While the round is open: no DM was edited, and every DM still reads as it was sent.
    assert harness.fake.calls_to("chat.update") == []
    for user in MEMBERS:
        assert json.dumps(harness.fake.messages[(dms[user][0], dms[user][1])]["blocks"]) == posted[user]
    # Home is the same for all six, whatever they did; only each person's own statements differ.
    homes = {user: _home(harness, user) for user in MEMBERS}

    def without_statements(blocks: list[dict[str, Any]]) -> str:
        needs = ("*Autonomy*", "*Competence*", "*Belonging*")
        return json.dumps([b for b in blocks if not str((b.get("text") or {}).get("text", "")).startswith(needs)])

    assert len({without_statements(blocks) for blocks in homes.values()}) == 1
    for blocks in homes.values():
        shown = json.dumps(blocks)
        assert "You answered" not in shown and "Recorded" not in shown and COMMENT not in shown

    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))
    updates = harness.fake.wait_for("chat.update", count=len(MEMBERS))
    # At close every DM of the round is edited, once, and all the same way.
    assert sorted((u.params["channel"], u.params["ts"]) for u in updates) == sorted(
        (dms[user][0], dms[user][1]) for user in MEMBERS
    )
    assert len({json.dumps([u.params["text"], u.params["blocks"]]) for u in updates}) == 1
    final = [harness.fake.messages[(dms[u][0], dms[u][1])] for u in MEMBERS]
    assert len({json.dumps([message["text"], message["blocks"]]) for message in final}) == 1

    # Nothing Slack keeps shows an answer, a comment, or a confirmation.
    for call in _kept_calls(harness):
        kept = json.dumps(call.params)
        assert "Recorded" not in kept and COMMENT not in kept, call.method
        blocks = call.params.get("blocks") or (call.params.get("view") or {}).get("blocks") or []
        for block in blocks:
            if str(block.get("block_id", "")).startswith("pulse:"):  # no answer button is ever marked chosen
                assert all("style" not in element for element in block.get("elements", [])), call.method


def test_an_anonymous_lesson_leaves_nothing_in_its_author_s_dm(harness: Harness) -> None:
    """Attack: a Slack admin reads the export. A lesson posted without the name must not be joined to its
    author by a DM from the bot ("your lesson is posted in #support") kept next to the channel post."""
    from tests.handlers.test_tough import moment_values, setup_team, submit

    setup_team(harness)
    author = "U001"
    submit(harness, author, "tough_modal", moment_values("lesson"), "VLANON")
    values = {
        "lesson": {"value": {"type": "plain_text_input", "value": "Apologise first, then fix it."}},
        "credit": {"value": {"type": "radio_buttons", "selected_option": {"value": "anonymous"}}},
    }
    preview = submit(harness, author, "tough_lesson_modal", values, "VLANON")["view"]
    harness.fake.clear_calls()
    reply = submit(harness, author, "tough_preview_modal", {}, "VLANON", metadata=preview["private_metadata"])
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    # The listener's last step after the post: the confirmation (a DM before the fix, the modal after it).
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(
        c.method == "views.update" or (c.method == "chat.postMessage" and c.params.get("channel") != CHANNEL)
        for c in harness.fake.calls
    ):
        assert time.monotonic() < deadline, "the listener never confirmed the post"
        time.sleep(0.02)
    to_author = [c for c in _kept_calls(harness) if c.params.get("channel") in (author, "D" + author)]
    assert to_author == [], "a kept DM ties the anonymous lesson to its author"
    # The person still learns where it went: in the modal, which Slack doesn't keep.
    assert reply["response_action"] == "update" and CHANNEL in json.dumps(reply["view"])


def test_a_tough_moment_check_in_dm_reads_the_same_whether_its_person_answered(harness: Harness) -> None:
    """Attack: a Slack admin reads the export. Answering a check-in replaced its DM with a thanks (an edit Slack
    keeps), while an unanswered one kept its buttons: the export told who answered. The thanks is ephemeral."""
    from datetime import timedelta

    from bot.services.tough import tough_tick
    from tests.handlers.test_tough import MANAGER, click, manager_dm, moment_values, setup_team, submit

    setup_team(harness)
    for number, user in enumerate(("U001", "U002")):
        submit(harness, user, "tough_modal", moment_values("talk", None, [MANAGER]), f"VCK{number}")
        manager_dm(harness, MANAGER, count=number + 1)
    harness.clock.advance(timedelta(days=4))
    harness.fake.clear_calls()
    tough_tick(harness.deps)
    harness.fake.wait_for("chat.postMessage", count=2, predicate=lambda c: c.params["channel"] in ("U001", "U002"))
    checkin = {
        user: next(
            (channel, ts, message["blocks"])
            for (channel, ts), message in harness.fake.messages.items()
            if channel == f"D{user}" and "tough_checkin_yes" in json.dumps(message["blocks"])
        )
        for user in ("U001", "U002")
    }
    sent = {user: json.dumps(harness.fake.messages[dm[:2]]) for user, dm in checkin.items()}
    click(harness, "U001", checkin["U001"], "tough_checkin_no")
    [thanks] = harness.fake.wait_for("response_url")  # the person is thanked where only they see it
    assert "counted without your name" in json.dumps(thanks.params)
    assert thanks.params.get("response_type") == "ephemeral"
    assert harness.fake.calls_to("chat.update") == []
    assert {user: json.dumps(harness.fake.messages[dm[:2]]) for user, dm in checkin.items()} == sent


def test_a_home_click_whose_window_opens_too_late_leaves_no_kept_dm(harness: Harness) -> None:
    """Attack: a Slack admin reads the export for DMs Pulssi sent right after someone clicked on Home. When the
    modal that confirms a Home answer (or opens the tough-moment form) comes too late for Slack's 3 s trigger,
    the person is told in an ephemeral note in their DM, which Slack doesn't keep; a DM ("Slack took too long
    to open that window") would be kept, timed to the click, and say the person had just answered."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, len(MEMBERS))
    user = "USLACK4"
    home = _home(harness, user)
    kept_before = len(_kept_calls(harness))
    harness.fake.inject_error("expired_trigger_id", method="views.open", times=2)
    harness.sender.block_action(
        user_id=user,
        action_id="pulse_answer_2",
        value=button_value(home, "autonomy", 2),
        block_id="pulse:x:autonomy",
        container={"type": "view", "view_id": "VHOME4"},
        view={"id": "VHOME4", "type": "home", "blocks": home},
    )
    [note] = harness.fake.wait_for("chat.postEphemeral", predicate=lambda c: c.params.get("user") == user)
    assert "Recorded for Autonomy: 2" in note.params["text"]  # the answer counts, and the person knows it
    harness.sender.block_action(
        user_id=user, action_id="home_tough", container={"type": "view", "view_id": "VHOME4"}, view=None
    )
    harness.fake.wait_for("chat.postEphemeral", count=2, predicate=lambda c: c.params.get("user") == user)
    assert "took too long" in harness.fake.calls_to("chat.postEphemeral")[-1].params["text"]
    assert _kept_calls(harness)[kept_before:] == []  # no message, no edit, no Home view after either click


def test_deleting_one_s_data_in_an_open_round_leaves_their_pulse_dm_like_everyone_s(harness: Harness) -> None:
    """Attack: a Slack admin reads the export after a round. Every pulse DM of a round is edited to the same
    closed notice at its close; a DM left as sent, with live buttons, among them said its person had deleted
    their data while the round was open (delete-my-data took the row the close edits it from)."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    leaver = "USLACK2"
    harness.sender.command("/pulse", "delete-my-data", user_id=leaver, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "delete_my_data_keep_wins" in json.dumps(c.params))
    harness.sender.block_action(user_id=leaver, action_id="delete_my_data_keep_wins", value="keep")
    harness.fake.wait_for("response_url", count=3)  # `/pulse now`'s, the question, then what was deleted
    with harness.db.session_scope() as session:  # the row that stays names nobody
        from sqlmodel import select

        from storage.models import Delivery

        assert leaver not in {d.user_id for d in session.exec(select(Delivery))}
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params), timeout=WAIT_SECONDS)
    updates = harness.fake.wait_for("chat.update", count=len(MEMBERS), timeout=WAIT_SECONDS)
    assert sorted((u.params["channel"], u.params["ts"]) for u in updates) == sorted(
        (dms[user][0], dms[user][1]) for user in MEMBERS
    )
    final = [harness.fake.messages[(dms[u][0], dms[u][1])] for u in MEMBERS]
    assert len({json.dumps([message["text"], message["blocks"]]) for message in final}) == 1
