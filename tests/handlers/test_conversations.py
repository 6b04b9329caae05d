"""Anonymous conversations (issue 17): an author who allowed replies gets a manager's reply by DM at a fixed
delivery time and answers it; the manager sees "the author", never who. Through the real app and the fake
Slack, on SQLite and PostgreSQL, in English and Finnish."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.blocks import escape
from bot.i18n import catalogs
from bot.services import conversations
from bot.services.conversations import reply_tick
from storage.models import PulseComment, ReplyMessage, ReplyRoute, TeamManager
from tests.conftest import BOTH_BACKENDS
from tests.harness import TEAM_ID, Harness
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005", "U006"]
MANAGER = "U006"
WRITERS = ["U001", "U002", "U003", "U004", "U005"]
AUTHOR = "U001"  # the only writer who allows replies
COMMENTS = {
    "U001": "Nobody explains why the <b>refund</b> rules changed.",
    "U002": "Good week overall.",
    "U003": "Onboarding buddies helped a lot.",
    "U004": "Too many meetings on Mondays.",
    "U005": "I'd like feedback on my calls.",
}
# The harness clock starts Monday 2026-03-02 06:00 UTC = 08:00 in Helsinki; deliveries are at 09:00 and 15:00
# Helsinki time, i.e. 07:00 and 13:00 UTC.
FIRST_SLOT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SECOND_SLOT = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def pulse(harness: Harness, text: str, user: str) -> None:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", text, user_id=user, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")


def write_comment(harness: Harness, user: str, dm: tuple[str, str, list[dict[str, Any]]], allow: bool) -> None:
    channel, ts, blocks = dm
    round_id = next(
        e["value"]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == "pulse_comment"
    )
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id=user,
        action_id="pulse_comment",
        value=round_id,
        container={"type": "message", "channel_id": channel, "message_ts": ts},
    )
    opened = harness.fake.wait_for("views.open")[0].params["view"]
    assert any(b.get("block_id") == "replies" for b in opened["blocks"])  # the choice is offered to everyone
    values: dict[str, Any] = {"comment": {"text": {"type": "plain_text_input", "value": COMMENTS[user]}}}
    values["replies"] = {"value": {"type": "checkboxes", "selected_options": [{"value": "allow"}] if allow else []}}
    response = harness.sender.view_submission(
        user_id=user, callback_id="pulse_comment_modal", private_metadata=opened["private_metadata"], values=values
    )
    assert response.status == 200
    harness.fake.wait_for("chat.postEphemeral")


def run_round(harness: Harness, *, allowing: tuple[str, ...] = (AUTHOR,), writers: list[str] = WRITERS) -> None:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(WRITERS))
    for user in WRITERS:
        for question in ("autonomy", "competence", "belonging"):
            click(harness, user, dms[user], question, 4)
    harness.fake.wait_for("chat.postEphemeral", count=3 * len(WRITERS))
    for user in writers:
        write_comment(harness, user, dms[user], user in allowing)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))


def prepare(harness: Harness, language: str = "en", **round_args: Any) -> None:
    make_team(harness, MEMBERS)
    pulse(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        for user in MEMBERS:
            pulse(harness, f"language {language}", user)
    run_round(harness, **round_args)


def report(harness: Harness, user: str) -> list[dict[str, Any]]:
    for _ in range(100):  # the previous report of the same person may still be finishing its chart
        harness.fake.clear_calls()
        harness.sender.command("/cxreport", "#support 8", user_id=user, channel_id=CHANNEL)
        [call] = harness.fake.wait_for("response_url")
        if "blocks" in call.params:
            harness.fake.wait_for("files.completeUploadExternal")
            return list(call.params["blocks"])
        time.sleep(0.05)
    raise AssertionError("no report")


def reply_buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        str(b["accessory"]["value"]) for b in blocks if (b.get("accessory") or {}).get("action_id") == "convo_reply"
    ] + [
        str(e["value"])
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == "convo_reply"
    ]


def open_reply(harness: Harness, user: str, route: str, *, from_home: bool = False) -> dict[str, Any]:
    harness.fake.clear_calls()
    container = (
        {"type": "view", "view_id": "VHOME"}
        if from_home
        else {"type": "message", "channel_id": CHANNEL, "message_ts": "1.0", "is_ephemeral": True}
    )
    harness.sender.block_action(user_id=user, action_id="convo_reply", value=route, container=container)
    return dict(harness.fake.wait_for("views.open")[0].params["view"])


def submit(harness: Harness, user: str, view: dict[str, Any], text: str, *, end: bool = False) -> dict[str, Any]:
    values = {
        "text": {"value": {"type": "plain_text_input", "value": text}},
        "end": {"value": {"type": "checkboxes", "selected_options": [{"value": "end"}] if end else []}},
    }
    response = harness.sender.view_submission(
        user_id=user, callback_id=view["callback_id"], private_metadata=view["private_metadata"], values=values
    )
    assert response.status == 200
    return dict(response.json() or {})


def dms_to(harness: Harness, user: str) -> list[dict[str, Any]]:
    """The conversation DMs (replies, answers, endings) Pulssi sent to `user`."""
    return [
        dict(c.params)
        for c in harness.fake.calls_to("chat.postMessage")
        if c.params.get("channel") == user and c.params.get("text") in _dm_texts()
    ]


def _dm_texts() -> set[str]:
    return {catalogs()[lang][key] for lang in ("en", "fi") for key in ("convo.author.text", "convo.manager.text")}


def tick_at(harness: Harness, moment: datetime) -> int:
    harness.fake.clear_calls()
    harness.clock.set(moment)
    return reply_tick(harness.deps)


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_manager_replies_and_the_author_answers_without_being_named(harness: Harness, language: str) -> None:
    texts = catalogs()[language]
    prepare(harness, language)

    blocks = report(harness, MANAGER)
    [route] = reply_buttons(blocks)  # one comment allows replies: one Reply button
    assert AUTHOR not in json.dumps(blocks)
    assert reply_buttons(report(harness, ADMIN)) == []  # an admin who doesn't manage the team sees no Reply
    harness.fake.clear_calls()
    harness.sender.event({"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": "D" + MANAGER})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == MANAGER)
    assert reply_buttons(harness.fake.home_views[MANAGER]["blocks"]) == [route]

    harness.clock.set(datetime(2026, 3, 2, 6, 10, tzinfo=UTC))
    modal = open_reply(harness, MANAGER, route, from_home=True)
    assert modal["callback_id"] == "convo_reply_modal"
    assert escape("Nobody explains why the <b>refund</b> rules changed.") in json.dumps(modal, ensure_ascii=False)
    answer = submit(harness, MANAGER, modal, "Thanks - can you tell me which rule?")
    assert answer["response_action"] == "update"
    assert texts["convo.reply.queued"].split("{at}")[0] in json.dumps(answer, ensure_ascii=False)

    # Before the delivery time nothing travels; at it, the author gets the reply by DM.
    assert tick_at(harness, FIRST_SLOT - timedelta(minutes=1)) == 0
    assert dms_to(harness, AUTHOR) == []
    assert tick_at(harness, FIRST_SLOT) == 1
    [dm] = dms_to(harness, AUTHOR)
    dm_text = json.dumps(dm["blocks"], ensure_ascii=False)
    assert "Thanks - can you tell me which rule?" in dm_text and f"<@{MANAGER}>" in dm_text
    assert "refund" in dm_text  # the author sees which comment it is about
    assert dm["text"] == texts["convo.author.text"]
    answer_button = next(
        e for b in dm["blocks"] if b.get("type") == "actions" for e in b["elements"] if e["action_id"] == "convo_answer"
    )

    # The author answers from the DM; the managers get it at the next delivery time, as "the author".
    harness.clock.set(FIRST_SLOT + timedelta(minutes=3))
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id=AUTHOR,
        action_id="convo_answer",
        value=answer_button["value"],
        container={"type": "message", "channel_id": "D" + AUTHOR, "message_ts": "2.0"},
    )
    answer_view = dict(harness.fake.wait_for("views.open")[0].params["view"])
    assert answer_view["callback_id"] == "convo_answer_modal"
    submit(harness, AUTHOR, answer_view, "The one about partial refunds.")
    assert tick_at(harness, SECOND_SLOT - timedelta(minutes=1)) == 0
    assert tick_at(harness, SECOND_SLOT) == 1
    [to_manager] = dms_to(harness, MANAGER)
    manager_text = json.dumps(to_manager, ensure_ascii=False)
    assert "The one about partial refunds." in manager_text
    assert texts["convo.manager.answer"].split("*")[1] in manager_text  # "the author"
    assert AUTHOR not in manager_text and "D" + AUTHOR not in manager_text
    assert reply_buttons(to_manager["blocks"]) == [route]  # the manager can reply again from the DM

    # Another person clicking the author's Answer button (e.g. a forwarded payload) gets nothing.
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id="U002",
        action_id="convo_answer",
        value=route,
        container={"type": "message", "channel_id": "DU002", "message_ts": "3.0"},
    )
    gone = harness.fake.wait_for("views.open")[0].params["view"]
    assert gone["callback_id"] == "convo_notice"
    assert "refund" not in json.dumps(gone)


@BOTH_BACKENDS
def test_replies_travel_in_batches_and_the_delivery_time_does_not_follow_the_reply_time(harness: Harness) -> None:
    prepare(harness, allowing=("U001", "U002", "U003"))
    routes = reply_buttons(report(harness, MANAGER))
    assert len(routes) == 3
    written = [
        datetime(2026, 3, 2, 6, 1, tzinfo=UTC),
        datetime(2026, 3, 2, 6, 37, tzinfo=UTC),
        datetime(2026, 3, 2, 6, 59, tzinfo=UTC),
    ]
    for moment, route in zip(written, routes, strict=True):
        harness.clock.set(moment)
        submit(harness, MANAGER, open_reply(harness, MANAGER, route), f"reply written at {moment:%H:%M}")
    assert set(conversations.pending_deliveries(harness.deps, TEAM_ID)) == {FIRST_SLOT}
    with harness.db.session_scope() as session:
        stored = [m.model_dump() for m in session.exec(select(ReplyMessage))]
    for row in stored:  # nothing stored holds the time a reply was written
        for value in row.values():
            assert not (isinstance(value, datetime) and value.minute in (1, 37, 59))
    assert tick_at(harness, FIRST_SLOT) == 3
    delivered = {str(c.params["channel"]) for c in harness.fake.calls_to("chat.postMessage")}
    assert delivered == {"U001", "U002", "U003"}  # all three in the one batch, whatever the writing times
    assert tick_at(harness, FIRST_SLOT + timedelta(minutes=1)) == 0  # delivered once
    with harness.db.session_scope() as session:
        assert session.exec(select(ReplyMessage)).all() == []  # delivered replies aren't kept


@BOTH_BACKENDS
def test_either_side_ends_the_conversation_and_an_ended_route_cannot_be_used(harness: Harness) -> None:
    prepare(harness, allowing=("U001", "U002"))
    first, second = reply_buttons(report(harness, MANAGER))
    for route in (first, second):
        submit(harness, MANAGER, open_reply(harness, MANAGER, route), "hello")
    tick_at(harness, FIRST_SLOT)
    by_route = {
        next(e["value"] for b in c["blocks"] if b.get("type") == "actions" for e in b["elements"]): c["channel"]
        for c in [dict(x.params) for x in harness.fake.calls_to("chat.postMessage")]
    }
    author_of_first = by_route[first]

    # The author ends it from the DM: unusable at once, and it still looks open to the manager until the slot.
    harness.clock.set(FIRST_SLOT + timedelta(minutes=5))
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id=author_of_first,
        action_id="convo_end",
        value=first,
        container={"type": "message", "channel_id": "D" + author_of_first, "message_ts": "4.0"},
    )
    harness.fake.wait_for("chat.postEphemeral")
    with harness.db.session_scope() as session:
        route = session.get(ReplyRoute, first)
        assert route is not None and route.sealed is None
    assert set(reply_buttons(report(harness, MANAGER))) == {first, second}
    submit(harness, MANAGER, open_reply(harness, MANAGER, first), "are you still there?")
    # The manager ends the second one.
    submit(harness, MANAGER, open_reply(harness, MANAGER, second), "", end=True)

    tick_at(harness, SECOND_SLOT)
    calls = [dict(c.params) for c in harness.fake.calls_to("chat.postMessage")]
    assert not [c for c in calls if c["channel"] == author_of_first]  # nothing reaches a withdrawn author
    assert "are you still there?" not in json.dumps(calls)
    to_manager = [c for c in calls if c["channel"] == MANAGER]
    assert len(to_manager) == 1 and author_of_first not in json.dumps(to_manager)  # "the author ended it"
    assert [c["channel"] for c in calls if c["channel"] != MANAGER] == [by_route[second]]  # the manager ended it
    with harness.db.session_scope() as session:
        assert session.exec(select(ReplyRoute)).all() == []
        assert all(c.route_id is None for c in session.exec(select(PulseComment)))
    assert reply_buttons(report(harness, MANAGER)) == []
    gone = open_reply(harness, MANAGER, first)
    assert gone["callback_id"] == "convo_notice"


@BOTH_BACKENDS
def test_routes_are_deleted_after_30_days_and_by_delete_my_data(harness: Harness) -> None:
    prepare(harness, allowing=("U001", "U002"))
    routes = reply_buttons(report(harness, MANAGER))
    assert len(routes) == 2
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "delete-my-data", user_id="U001", channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    assert "delete_my_data_keep_wins" in json.dumps(harness.fake.calls_to("response_url")[0].params)
    harness.fake.clear_calls()
    harness.sender.block_action(user_id="U001", action_id="delete_my_data_keep_wins", value="keep")
    [done] = harness.fake.wait_for("response_url")
    assert "1 anonymous conversation(s)" in done.params["text"]
    with harness.db.session_scope() as session:
        sealed = [r.sealed for r in session.exec(select(ReplyRoute))]
    assert sorted(s is None for s in sealed) == [False, True]  # U001's route unsealed at once, U002's kept
    for route in routes:
        submit(harness, MANAGER, open_reply(harness, MANAGER, route), "hi")
    tick_at(harness, FIRST_SLOT)
    channels = [c.params["channel"] for c in harness.fake.calls_to("chat.postMessage")]
    assert "U001" not in channels and "U002" in channels

    assert tick_at(harness, datetime(2026, 3, 31, 12, 0, tzinfo=UTC)) == 0
    with harness.db.session_scope() as session:
        assert len(session.exec(select(ReplyRoute)).all()) == 1  # 29 days: still there
    tick_at(harness, datetime(2026, 4, 1, 7, 0, tzinfo=UTC))  # 30 days after the round closed
    with harness.db.session_scope() as session:
        assert session.exec(select(ReplyRoute)).all() == []
        assert all(c.route_id is None for c in session.exec(select(PulseComment)))


@BOTH_BACKENDS
def test_no_route_without_consent_or_below_k(harness: Harness) -> None:
    prepare(harness, allowing=(), writers=WRITERS)
    with harness.db.session_scope() as session:
        assert session.exec(select(ReplyRoute)).all() == []
    assert reply_buttons(report(harness, MANAGER)) == []


@BOTH_BACKENDS
def test_no_route_when_the_rounds_comments_stay_hidden(harness: Harness) -> None:
    prepare(harness, writers=WRITERS[:4])  # 4 comments < k = 5: nobody can read them, nobody can reply
    with harness.db.session_scope() as session:
        assert session.exec(select(ReplyRoute)).all() == []


OUTSIDER = "WEXT"  # another org's person in the team's Slack Connect channel


@BOTH_BACKENDS
def test_an_outsider_named_a_manager_gets_no_comment_and_no_answer(harness: Harness) -> None:
    """A Slack Connect person let through as a manager (set_managers judges by the cache before a modal's ack)
    has no role here: they may not open a route, queue a reply, or receive the author's answer."""
    prepare(harness)
    [route] = reply_buttons(report(harness, MANAGER))
    harness.fake.add_external_user(OUTSIDER)
    with harness.db.session_scope() as session:
        team_id = session.exec(select(ReplyRoute.team_id)).one()
        session.add(TeamManager(workspace_id=TEAM_ID, team_id=team_id, user_id=OUTSIDER))

    harness.clock.set(datetime(2026, 3, 2, 6, 10, tzinfo=UTC))
    refused = open_reply(harness, OUTSIDER, route)  # a forwarded or forged Reply button
    assert refused["callback_id"] == "convo_notice" and "refund" not in json.dumps(refused)
    forged = submit(harness, OUTSIDER, {"callback_id": "convo_reply_modal", "private_metadata": route}, "who?")
    assert "refund" not in json.dumps(forged)

    submit(harness, MANAGER, open_reply(harness, MANAGER, route), "Which rule?")
    assert tick_at(harness, FIRST_SLOT) == 1
    [dm] = dms_to(harness, AUTHOR)
    assert "who?" not in json.dumps(dm)  # the outsider's reply was never queued
    answer_button = next(
        e for b in dm["blocks"] if b.get("type") == "actions" for e in b["elements"] if e["action_id"] == "convo_answer"
    )
    harness.fake.clear_calls()
    harness.sender.block_action(
        user_id=AUTHOR,
        action_id="convo_answer",
        value=answer_button["value"],
        container={"type": "message", "channel_id": "D" + AUTHOR, "message_ts": "2.0"},
    )
    submit(harness, AUTHOR, dict(harness.fake.wait_for("views.open")[0].params["view"]), "Partial refunds.")
    assert tick_at(harness, SECOND_SLOT) == 1  # the team's own manager only
    assert [c["channel"] for c in [dict(x.params) for x in harness.fake.calls_to("chat.postMessage")]] == [MANAGER]
    assert dms_to(harness, OUTSIDER) == []
