"""Tough customer moments through the running app and the fake Slack: request → acknowledgement → check-in →
its count in the report, the reminder, the anonymous note, the reviewed lesson, and who may see and ack what."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.domain.report import report_json
from bot.domain.tough import CHECKIN_SETTLED_DAYS
from bot.i18n import catalogs
from bot.services import reports
from bot.services.export import export_csv
from bot.services.nudges import nudge_tick
from bot.services.tough import tough_tick
from bot.timeutil import from_db
from storage.models import (
    ProcessedEvent,
    SealedCheckin,
    TeamManager,
    ToughDaily,
    ToughRequest,
    ToughRequestManager,
    Win,
)
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team

MEMBERS = ["U001", "U002", "U003", "U004", "U005", "U006"]
MANAGER = "UMGR"
OTHER_CHANNEL = "C0OTHER"
OTHER_MANAGER = "UOMGR"
WHAT = "The customer shouted at me <!channel> & I froze"

TEXTS = {
    "en": {
        "title": "A tough one",
        "sent": "got your request",
        "acked": "will reach out",
        "told": "will reach out to you",
        "checkin": "Did you get the support you needed?",
        "thanks": "counted without your name",
        "report": "Tough moments*: 5 · supported within a working day: 100 %",
        "checkin_line": "Felt supported (check-in): 100 %",
        "hidden": "Tough moments*: hidden (fewer than 5)",
    },
    "fi": {
        "title": "Vaikea tilanne",
        "sent": "sai pyyntösi",
        "acked": "ottaa yhteyttä",
        "told": "ottaa sinuun yhteyttä",
        "checkin": "Saitko tarvitsemaasi tukea?",
        "thanks": "lasketaan ilman nimeäsi",
        "report": "Vaikeat tilanteet*: 5 · tuki työpäivän sisällä: 100 %",
        "checkin_line": "Koki saaneensa tukea (kysely): 100 %",
        "hidden": "Vaikeat tilanteet*: piilotettu (alle 5)",
    },
}


def _command(harness: Harness, text: str, user: str, channel: str = CHANNEL) -> None:
    harness.sender.command("/pulse", text, user_id=user, channel_id=channel)
    harness.fake.wait_for("response_url")
    harness.fake.clear_calls()


def setup_team(harness: Harness, language: str = "en", members: list[str] = MEMBERS) -> None:
    make_team(harness, [*members, MANAGER])
    _command(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        for user in [*members, MANAGER]:
            _command(harness, f"language {language}", user)


def setup_other_team(harness: Harness) -> None:
    harness.fake.add_user(OTHER_MANAGER)
    harness.fake.add_user("U101")
    harness.fake.add_channel(OTHER_CHANNEL, "billing", ["U101", OTHER_MANAGER, "UBOT"])
    _command(harness, "setup", ADMIN, OTHER_CHANNEL)
    _command(harness, f"managers <@{OTHER_MANAGER}>", ADMIN, OTHER_CHANNEL)


def moment_values(option: str, what: str | None = None, managers: list[str] | None = None) -> dict[str, Any]:
    return {
        "what": {"value": {"type": "plain_text_input", "value": what}},
        "help": {"value": {"type": "radio_buttons", "selected_option": {"value": option}}},
        "managers": {
            "value": {"type": "checkboxes", "selected_options": [{"value": m} for m in managers or []]},
        },
    }


def submit(
    harness: Harness, user: str, callback_id: str, values: dict[str, Any], view_id: str, metadata: str = ""
) -> Any:
    response = harness.sender.view_submission(
        user_id=user, callback_id=callback_id, values=values, view_id=view_id, private_metadata=metadata
    )
    assert response.status == 200
    return response.json()


def manager_dm(harness: Harness, manager: str, count: int = 1) -> tuple[str, str, list[dict[str, Any]]]:
    """The newest DM to `manager` that carries request buttons: (channel, ts, blocks)."""
    harness.fake.wait_for("chat.postMessage", count=count, predicate=lambda c: c.params.get("channel") == manager)
    found = [
        (channel, ts, message["blocks"])
        for (channel, ts), message in harness.fake.messages.items()
        if channel == f"D{manager}" and any(str(b.get("block_id", "")).startswith("tough:") for b in message["blocks"])
    ]
    return max(found, key=lambda item: float(item[1]))


def button(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {blocks}")


def click(
    harness: Harness, user: str, dm: tuple[str, str, list[dict[str, Any]]], action_id: str, value: str | None = None
) -> None:
    channel, ts, blocks = dm
    response = harness.sender.block_action(
        user_id=user,
        action_id=action_id,
        value=value or button(blocks, action_id),
        block_id="tough:x",
        channel_id=channel,
        container={"type": "message", "channel_id": channel, "message_ts": ts, "is_ephemeral": False},
        message={"ts": ts, "blocks": blocks, "text": "x"},
    )
    assert response.status == 200


def requests_in_db(harness: Harness) -> list[ToughRequest]:
    with harness.db.session_scope() as session:
        found = list(session.exec(select(ToughRequest)).all())
        session.expunge_all()
        return found


def wait_moments(harness: Harness, moments: int, timeout: float = WAIT_SECONDS) -> ToughDaily:
    """The one day's counts once `moments` are in (the listener stores after ack())."""
    deadline = time.monotonic() + timeout
    while True:
        rows = daily(harness)
        if rows and rows[0].moments >= moments:
            [row] = rows
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {moments} moments, got {rows}")
        time.sleep(0.02)


def daily(harness: Harness) -> list[ToughDaily]:
    with harness.db.session_scope() as session:
        found = list(session.exec(select(ToughDaily)).all())
        session.expunge_all()
        return found


def cxreport(harness: Harness, user: str = MANAGER) -> str:
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "#support 4", user_id=user, channel_id=CHANNEL)
    [call] = harness.fake.wait_for("response_url")
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)  # nothing runs after the test ends
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def report_json_now(harness: Harness) -> dict[str, Any]:
    with harness.db.session_scope() as session:
        team = reports.scope_teams(session, "T0001")[0]
        scope = reports.team_scope("T0001", team)
    start, end = reports.period_ending(reports.local_today(harness.settings, harness.clock()), 4)
    return report_json(reports.build_report(harness.db, scope, start, end, k=5))


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_request_acknowledgement_checkin_and_count_in_report(harness: Harness, language: str) -> None:
    texts = TEXTS[language]
    setup_team(harness, language)
    harness.sender.command("/tough", "", user_id="U001", channel_id=CHANNEL)
    [opened] = harness.fake.wait_for("views.open")
    view = opened.params["view"]
    assert view["title"]["text"] == texts["title"]
    managers_block = next(b for b in view["blocks"] if b.get("block_id") == "managers")
    assert [o["value"] for o in managers_block["element"]["options"]] == [MANAGER]

    askers = MEMBERS[:5]
    for number, user in enumerate(askers):
        reply = submit(harness, user, "tough_modal", moment_values("talk", WHAT, [MANAGER]), f"VT{number}")
        assert reply["response_action"] == "update" and texts["sent"] in json.dumps(reply["view"], ensure_ascii=False)
        channel, ts, blocks = manager_dm(harness, MANAGER, count=number + 1)
        shown = json.dumps(blocks, ensure_ascii=False)
        assert f"<@{user}>" in shown and "&lt;!channel&gt; &amp; I froze" in shown and "<!channel>" not in shown
        click(harness, MANAGER, (channel, ts, blocks), "tough_ack")
        harness.fake.wait_for("chat.update", predicate=lambda c, ts=ts: c.params.get("ts") == ts)
        harness.fake.wait_for("chat.postMessage", predicate=lambda c, u=user: c.params.get("channel") == u)
    updated = harness.fake.messages[(channel, ts)]
    assert texts["acked"] in json.dumps(updated["blocks"], ensure_ascii=False)
    assert "tough_ack" not in json.dumps(updated["blocks"])  # acknowledged: only "Done" is left
    told = [c for c in harness.fake.calls_to("chat.postMessage") if c.params.get("channel") == "U001"]
    assert texts["told"] in told[0].params["text"]
    assert all(r.acknowledged_by == MANAGER for r in requests_in_db(harness))

    # Two working days later: one check-in each; a second tick sends nothing more.
    harness.fake.clear_calls()
    harness.clock.advance(timedelta(days=2, hours=1))
    tough_tick(harness.deps)
    tough_tick(harness.deps)
    checkins = harness.fake.wait_for("chat.postMessage", count=5)
    assert len(harness.fake.calls_to("chat.postMessage")) == 5
    assert {c.params["channel"] for c in checkins} == set(askers)
    assert all(texts["checkin"] in c.params["text"] for c in checkins)
    for number, user in enumerate(askers):
        channel, ts, blocks = next(
            (ch, t, m["blocks"])
            for (ch, t), m in harness.fake.messages.items()
            if ch == f"D{user}" and "tough_checkin_yes" in json.dumps(m["blocks"])
        )
        click(harness, user, (channel, ts, blocks), "tough_checkin_yes")
        click(harness, user, (channel, ts, blocks), "tough_checkin_yes")  # a double click counts once
        harness.fake.wait_for("response_url", count=2 * (number + 1))
    # Thanked ephemerally; the DMs are never edited (an edit would tell Slack's export who answered).
    assert texts["thanks"] in json.dumps(harness.fake.calls_to("response_url")[-1].params, ensure_ascii=False)
    assert harness.fake.calls_to("chat.update") == []
    # The answers wait sealed in the requests, which stay as unanswered ones do: nothing stored tells who
    # answered. A week after the check-ins the requests go and the answers reach the day's counts.
    assert len(requests_in_db(harness)) == 5
    assert (daily(harness)[0].checkin_yes, daily(harness)[0].checkin_no) == (0, 0)
    harness.clock.advance(timedelta(days=7, minutes=1))
    tough_tick(harness.deps)
    assert requests_in_db(harness) == []
    [row] = daily(harness)
    assert (row.moments, row.talks, row.supported_in_time, row.checkin_yes, row.checkin_no) == (5, 5, 5, 5, 0)

    # While answers can still come, the check-in share waits: a report read before and after one answer is
    # the same report. It shows once the day is settled.
    assert texts["checkin_line"] not in cxreport(harness)
    harness.clock.advance(timedelta(days=CHECKIN_SETTLED_DAYS))
    blocks = cxreport(harness)
    assert texts["report"] in blocks and texts["checkin_line"] in blocks
    assert "U001" not in blocks and "froze" not in blocks
    assert report_json_now(harness)["tough_moments"] == {
        "count": 5,
        "supported_within_a_working_day_percent": 100.0,
        "checkin_yes_percent": 100.0,
    }
    exported = export_csv(harness.deps, "T0001").splitlines()
    assert "tough,support,2026-03,,,,tough_moments,5,5,," in exported
    assert "tough,support,2026-03,,,,supported_within_a_working_day,100.0,5,," in exported


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_below_k_the_report_shows_nothing(harness: Harness, language: str) -> None:
    setup_team(harness, language)
    for number, user in enumerate(MEMBERS[:4]):
        reply = submit(harness, user, "tough_modal", moment_values("note", "a secret detail"), f"VN{number}")
        assert reply["response_action"] == "update"
    wait_moments(harness, 4)
    submit(harness, "U001", "tough_modal", moment_values("note"), "VN0")  # Slack resending: counted once
    time.sleep(0.3)
    [row] = daily(harness)
    assert (row.moments, row.talks) == (4, 0)
    assert requests_in_db(harness) == []  # a note stores no name and no text
    with harness.db.session_scope() as session:  # and no time finer than the day
        stamps = [e.created_at for e in session.exec(select(ProcessedEvent)) if e.key.startswith("tough-note:")]
    assert len(stamps) == 4 and all((s.hour, s.minute, s.second, s.microsecond) == (0, 0, 0, 0) for s in stamps)
    blocks = cxreport(harness)
    assert TEXTS[language]["hidden"] in blocks
    assert "moments*: 4" not in blocks and "tilanteet*: 4" not in blocks  # the count itself never shows
    assert report_json_now(harness)["tough_moments"] == {"suppressed": True}
    assert not [line for line in export_csv(harness.deps, "T0001").splitlines() if line.startswith("tough,")]


def test_another_teams_manager_can_neither_see_nor_acknowledge(harness: Harness) -> None:
    setup_team(harness)
    setup_other_team(harness)
    reply = submit(harness, "U001", "tough_modal", moment_values("talk", WHAT, [MANAGER, OTHER_MANAGER]), "VR1")
    assert reply["response_action"] == "update"
    dm = manager_dm(harness, MANAGER)
    # Only the person's own team's managers get it, even when a forged submission names another.
    assert not [c for c in harness.fake.calls_to("chat.postMessage") if c.params.get("channel") == OTHER_MANAGER]
    with harness.db.session_scope() as session:
        assert list(session.exec(select(ToughRequestManager.user_id)).all()) == [MANAGER]

    harness.fake.clear_calls()
    other_dm = (f"D{OTHER_MANAGER}", "1700000000.000100", [])
    click(harness, OTHER_MANAGER, other_dm, "tough_ack", value=button(dm[2], "tough_ack"))
    [refusal] = harness.fake.wait_for("response_url")
    assert "isn't addressed to you" in json.dumps(refusal.params)
    click(harness, OTHER_MANAGER, other_dm, "tough_done", value=button(dm[2], "tough_done"))
    harness.fake.wait_for("response_url", count=2)
    # A workspace admin who was not chosen may not either.
    click(harness, ADMIN, (f"D{ADMIN}", "1700000000.000300", []), "tough_ack", value=button(dm[2], "tough_ack"))
    assert "isn't addressed to you" in json.dumps(harness.fake.wait_for("response_url", count=3)[-1].params)
    [request] = requests_in_db(harness)
    assert request.acknowledged_at is None and request.done_at is None
    assert not harness.fake.calls_to("chat.update")
    # Nor may someone else answer the person's check-in.
    click(harness, "U002", ("DU002", "1700000000.000200", []), "tough_checkin_yes", value=str(request.id))
    harness.fake.wait_for("response_url", count=4)
    assert requests_in_db(harness) and daily(harness)[0].checkin_yes == 0


def test_unacknowledged_request_gets_one_reminder_and_a_late_ack_is_not_counted_in_time(harness: Harness) -> None:
    setup_team(harness)
    submit(harness, "U001", "tough_modal", moment_values("talk", None, [MANAGER]), "VR2")
    manager_dm(harness, MANAGER)
    harness.clock.advance(timedelta(hours=12))
    tough_tick(harness.deps)
    assert len([c for c in harness.fake.calls_to("chat.postMessage") if c.params["channel"] == MANAGER]) == 1
    harness.clock.advance(timedelta(hours=13))  # a working day and an hour
    tough_tick(harness.deps)
    tough_tick(harness.deps)
    reminders = [c for c in harness.fake.calls_to("chat.postMessage") if "Reminder" in c.params.get("text", "")]
    assert len(reminders) == 1 and reminders[0].params["channel"] == MANAGER
    click(harness, MANAGER, manager_dm(harness, MANAGER, count=2), "tough_done")
    harness.fake.wait_for("chat.update")
    assert "marked this done" in json.dumps(harness.fake.calls_to("chat.update")[-1].params)
    [row] = daily(harness)
    assert (row.moments, row.talks, row.supported_in_time) == (1, 1, 0)


def test_friday_request_is_not_reminded_over_the_weekend(harness: Harness) -> None:
    setup_team(harness)
    harness.clock.advance(timedelta(days=4))  # Friday 08:00 in Helsinki
    submit(harness, "U001", "tough_modal", moment_values("talk", None, [MANAGER]), "VR3")
    manager_dm(harness, MANAGER)
    harness.clock.advance(timedelta(days=2, hours=12))  # Sunday evening
    tough_tick(harness.deps)
    assert not [c for c in harness.fake.calls_to("chat.postMessage") if "Reminder" in c.params.get("text", "")]
    harness.clock.advance(timedelta(hours=13))  # Monday, past the working day
    tough_tick(harness.deps)
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: "Reminder" in c.params.get("text", ""))


@pytest.mark.parametrize("language", ["en", "fi"])
def test_lesson_is_reviewed_before_posting_and_can_go_without_the_name(harness: Harness, language: str) -> None:
    setup_team(harness, language)
    if language != "en":
        _command(harness, f"language team {language}", MANAGER)  # the channel post is in the team's language
    reply = submit(harness, "U001", "tough_modal", moment_values("lesson", "private detail"), "VL1")
    assert reply["view"]["callback_id"] == "tough_lesson_modal"
    lesson = "Say sorry first <!here>, then fix it."
    values = {
        "lesson": {"value": {"type": "plain_text_input", "value": lesson}},
        "credit": {"value": {"type": "radio_buttons", "selected_option": {"value": "anonymous"}}},
    }
    preview = submit(harness, "U001", "tough_lesson_modal", values, "VL1")["view"]
    assert preview["callback_id"] == "tough_preview_modal"
    assert "Say sorry first &lt;!here&gt;" in json.dumps(preview["blocks"])
    assert not harness.fake.calls_to("chat.postMessage")  # nothing posted before the person says so
    assert daily(harness) == []

    reply = submit(harness, "U001", "tough_preview_modal", {}, "VL1", metadata=preview["private_metadata"])
    posting = "being posted in <#C0TEAM>" if language == "en" else "julkaistaan kanavalle <#C0TEAM>"
    assert reply["response_action"] == "update" and posting in json.dumps(reply["view"], ensure_ascii=False)
    [post] = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    shown = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert "&lt;!here&gt;" in shown and "<!here>" not in shown
    assert "U001" not in shown and "private detail" not in shown
    assert ("A teammate shares" if language == "en" else "Tiimiläinen jakaa") in shown
    assert post.params["blocks"] == preview["blocks"][1:]  # exactly what the person reviewed
    submit(harness, "U001", "tough_preview_modal", {}, "VL1", metadata=preview["private_metadata"])
    harness.fake.wait_for("views.update", count=1)  # the modal says it is posted; a DM would be kept by Slack
    assert [c.params["channel"] for c in harness.fake.calls_to("chat.postMessage")] == [CHANNEL]
    assert wait_moments(harness, 1).moments == 1


def test_shortcut_and_home_button_open_the_modal_and_no_team_gets_a_notice(harness: Harness) -> None:
    setup_team(harness)
    harness.sender.message_shortcut(
        user_id="U001", callback_id="tough_moment", message={"text": "Why is my refund late?!"}, channel_id=CHANNEL
    )
    [opened] = harness.fake.wait_for("views.open")
    what = next(b for b in opened.params["view"]["blocks"] if b.get("block_id") == "what")
    assert what["element"]["initial_value"] == "Why is my refund late?!"
    harness.sender.block_action(user_id="U002", action_id="home_tough", container={"type": "view", "view_id": "VHOME"})
    harness.fake.wait_for("views.open", count=2)
    harness.fake.add_user("ULONE")
    harness.sender.command("/tough", "", user_id="ULONE", channel_id=CHANNEL)
    notice = harness.fake.wait_for("views.open", count=3)[-1].params["view"]
    assert "doesn't know your team" in json.dumps(notice)


def test_the_command_and_the_shortcut_prefill_what_was_typed_not_slacks_entities(harness: Harness) -> None:
    """Slack sends `&`, `<` and `>` as entities in a command's text and a message's; the form starts from the
    text as it reads (a plain_text input shows an entity as `&lt;`)."""
    setup_team(harness)
    harness.sender.command("/tough", "Refund <late> & angry", user_id="U001", channel_id=CHANNEL)
    message = {"text": "Q&amp;A &lt;3 &amp;lt;"}
    harness.sender.message_shortcut(user_id="U001", callback_id="tough_moment", message=message, channel_id=CHANNEL)
    opened = harness.fake.wait_for("views.open", count=2)
    prefilled = [
        next(b for b in call.params["view"]["blocks"] if b.get("block_id") == "what")["element"]["initial_value"]
        for call in opened
    ]
    assert sorted(prefilled) == sorted(["Refund <late> & angry", "Q&A <3 &lt;"])


def test_validation_errors_keep_the_modal_open(harness: Harness) -> None:
    setup_team(harness)
    reply = submit(harness, "U001", "tough_modal", moment_values("talk", "x", []), "VE1")
    assert reply["response_action"] == "errors" and "managers" in reply["errors"]
    reply = submit(
        harness, "U001", "tough_modal", {"what": {"value": {"type": "plain_text_input", "value": None}}}, "VE2"
    )
    assert reply["response_action"] == "errors" and "help" in reply["errors"]
    values = {"lesson": {"value": {"type": "plain_text_input", "value": "   "}}}
    reply = submit(harness, "U001", "tough_lesson_modal", values, "VE3")
    assert reply["response_action"] == "errors" and "lesson" in reply["errors"]
    assert daily(harness) == [] and requests_in_db(harness) == []


def test_delete_my_data_forgets_the_named_request_but_keeps_the_count(harness: Harness) -> None:
    setup_team(harness)
    submit(harness, "U001", "tough_modal", moment_values("talk", WHAT, [MANAGER]), "VD1")
    manager_dm(harness, MANAGER)
    assert requests_in_db(harness)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "delete-my-data", user_id="U001", channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.sender.block_action(user_id="U001", action_id="delete_my_data_keep_wins", value="keep")
    harness.fake.wait_for("response_url", count=2)
    assert requests_in_db(harness) == []
    with harness.db.session_scope() as session:
        assert list(session.exec(select(ToughRequestManager)).all()) == []
    assert daily(harness)[0].moments == 1  # the day's count names nobody
    harness.clock.advance(timedelta(days=3))
    tough_tick(harness.deps)  # no reminder and no check-in for a forgotten request
    assert not [c for c in harness.fake.calls_to("chat.postMessage") if c.params.get("channel") in (MANAGER, "U001")]


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_request_still_waiting_after_its_reminder_gives_one_nudge_on_a_later_day(
    harness: Harness, language: str
) -> None:
    setup_team(harness, language)
    submit(harness, "U001", "tough_modal", moment_values("talk", WHAT, [MANAGER]), "VW1")
    manager_dm(harness, MANAGER)
    harness.clock.advance(timedelta(hours=25))  # Tuesday: the reminder's day
    tough_tick(harness.deps)
    nudge_tick(harness.deps)
    to_manager = [c for c in harness.fake.calls_to("chat.postMessage") if c.params["channel"] == MANAGER]
    assert len(to_manager) == 2  # the request and its reminder, not a nudge the same day
    harness.clock.advance(timedelta(days=1))  # Wednesday, still unacknowledged
    nudge_tick(harness.deps)
    nudge_tick(harness.deps)
    nudges = [
        c
        for c in harness.fake.calls_to("chat.postMessage")
        if c.params["channel"] == MANAGER and "nudge_snooze" in json.dumps(c.params.get("blocks") or [])
    ]
    assert len(nudges) == 1
    shown = json.dumps(nudges[0].params, ensure_ascii=False)
    assert catalogs()[language]["nudge.tough_waiting.text"].split("{team}")[1][:30] in shown
    # The nudge names nobody and quotes nothing: the request's DM already has that, for the chosen only.
    assert "U001" not in shown and "froze" not in shown
    # Only the chosen managers: nobody else in the channel hears of it.
    assert all(c.params["channel"] in (MANAGER, "U001") for c in harness.fake.calls_to("chat.postMessage"))


def sealed_rows(harness: Harness) -> list[SealedCheckin]:
    with harness.db.session_scope() as session:
        rows = list(session.exec(select(SealedCheckin)).all())
        session.expunge_all()
    return rows


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_just_note_it_gets_the_same_one_checkin_from_a_sealed_row(harness: Harness, language: str) -> None:
    texts = TEXTS[language]
    setup_team(harness, language)
    notes = MEMBERS[:5]
    for number, user in enumerate(notes):
        submit(harness, user, "tough_modal", moment_values("note", "a secret detail"), f"VS{number}")
    wait_moments(harness, 5)
    submit(harness, "U001", "tough_modal", moment_values("note"), "VS0")  # Slack resending: one check-in
    time.sleep(0.3)

    # Sealed: no user id, team or text in clear; due two working days on at 10:00, so no minute is kept.
    rows = sealed_rows(harness)
    assert len(rows) == 5
    stored = json.dumps([r.model_dump(mode="json") for r in rows])
    assert not any(user in stored for user in MEMBERS) and "secret" not in stored and "support" not in stored
    helsinki = ZoneInfo("Europe/Helsinki")
    assert {from_db(r.due_at).astimezone(helsinki).strftime("%a %H:%M") for r in rows} == {"Wed 10:00"}
    assert requests_in_db(harness) == []

    harness.clock.advance(timedelta(days=1, hours=23))  # Wednesday 07:00: not yet
    tough_tick(harness.deps)
    assert not harness.fake.calls_to("chat.postMessage")
    harness.clock.advance(timedelta(hours=3, minutes=5))
    tough_tick(harness.deps)
    tough_tick(harness.deps)  # a second tick (or scheduler) sends nothing more
    checkins = harness.fake.wait_for("chat.postMessage", count=5)
    assert len(harness.fake.calls_to("chat.postMessage")) == 5
    assert sorted(c.params["channel"] for c in checkins) == sorted(notes)
    assert all(texts["checkin"] in c.params["text"] for c in checkins)  # the same words as a named request's
    assert sealed_rows(harness) == []  # deleted when sent

    def checkin_of(user: str) -> tuple[str, str, list[dict[str, Any]]]:
        return next(
            (ch, t, m["blocks"])
            for (ch, t), m in harness.fake.messages.items()
            if ch == f"D{user}" and "tough_checkin_yes" in json.dumps(m["blocks"])
        )

    # Someone else's button, forged: refused, nothing counted.
    click(harness, "U002", checkin_of("U001"), "tough_checkin_yes")
    harness.fake.wait_for("response_url")
    for number, user in enumerate(notes):
        dm = checkin_of(user)
        answer = "tough_checkin_no" if user == "U005" else "tough_checkin_yes"
        click(harness, user, dm, answer)
        click(harness, user, dm, answer)  # a double click counts once
        harness.fake.wait_for("response_url", count=1 + 2 * (number + 1))
    deadline = time.monotonic() + WAIT_SECONDS
    while (daily(harness)[0].checkin_yes, daily(harness)[0].checkin_no) != (4, 1):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    [row] = daily(harness)
    assert (row.moments, row.talks, row.checkin_yes, row.checkin_no) == (5, 0, 4, 1)
    assert report_json_now(harness)["tough_moments"]["checkin_yes_percent"] is None  # answers may still come
    harness.clock.advance(timedelta(days=CHECKIN_SETTLED_DAYS))
    assert report_json_now(harness)["tough_moments"]["checkin_yes_percent"] == 80.0


def test_delete_my_data_drops_a_pending_note_checkin(harness: Harness) -> None:
    setup_team(harness)
    submit(harness, "U001", "tough_modal", moment_values("note"), "VD1")
    submit(harness, "U002", "tough_modal", moment_values("note"), "VD2")
    wait_moments(harness, 2)
    deadline = time.monotonic() + WAIT_SECONDS
    while len(sealed_rows(harness)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "delete-my-data", user_id="U001", channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.sender.block_action(user_id="U001", action_id="delete_my_data_keep_wins", value="keep")
    harness.fake.wait_for("response_url", count=2)
    deadline = time.monotonic() + WAIT_SECONDS
    while len(sealed_rows(harness)) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    harness.fake.clear_calls()
    harness.clock.advance(timedelta(days=3))
    tough_tick(harness.deps)
    [checkin] = harness.fake.wait_for("chat.postMessage")
    assert checkin.params["channel"] == "U002"


def win_values(story: str, tough_id: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"story": {"value": {"type": "plain_text_input", "value": story}}}
    if tough_id is not None:
        values["tough"] = {"value": {"type": "static_select", "selected_option": {"value": tough_id}}}
    return values


def open_win(harness: Harness, user: str) -> dict[str, Any]:
    harness.fake.clear_calls()
    harness.sender.command("/win", "", user_id=user, channel_id=CHANNEL)
    return dict(harness.fake.wait_for("views.open")[0].params["view"])


def win_rows(harness: Harness) -> list[Win]:
    with harness.db.session_scope() as session:
        rows = list(session.exec(select(Win).order_by(Win.id)).all())  # type: ignore[arg-type]
        session.expunge_all()
    return rows


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_win_linked_to_its_authors_tough_moment_ends_the_report(harness: Harness, language: str) -> None:
    setup_team(harness, language)
    submit(harness, "U001", "tough_modal", moment_values("talk", WHAT, [MANAGER]), "VL1")
    manager_dm(harness, MANAGER)
    submit(harness, "U002", "tough_modal", moment_values("note"), "VL2")
    wait_moments(harness, 2)

    # Only the person's own named requests are offered; a note names nobody, so it can't be.
    select_block = next(b for b in open_win(harness, "U001")["blocks"] if b.get("block_id") == "tough")
    [option] = select_block["element"]["options"]
    assert "The customer shouted" in option["text"]["text"]
    assert not any(b.get("block_id") == "tough" for b in open_win(harness, "U002")["blocks"])
    assert not any(b.get("block_id") == "tough" for b in open_win(harness, "U003")["blocks"])

    # Someone else's request, forged into the submission: refused, nothing stored.
    forged = harness.sender.view_submission(
        user_id="U003", callback_id="win_modal", values=win_values("Mine", option["value"]), view_id="VW0"
    ).json()
    assert forged["response_action"] == "errors" and set(forged["errors"]) == {"tough"}
    assert win_rows(harness) == []

    # Another win first, celebrated more; then U001's recovery story.
    harness.sender.view_submission(
        user_id="U003", callback_id="win_modal", values=win_values("A popular win"), view_id="VW1"
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not (win_rows(harness) and win_rows(harness)[0].message_ts):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    popular = win_rows(harness)[0]
    for count, user in enumerate(("U004", "U005", "U006"), start=1):
        item = {"type": "message", "channel": popular.channel_id, "ts": popular.message_ts}
        harness.sender.event({"type": "reaction_added", "user": user, "reaction": "tada", "item": item})
        deadline = time.monotonic() + WAIT_SECONDS
        while win_rows(harness)[0].reactions < count:  # one at a time: each is counted before the next
            assert time.monotonic() < deadline
            time.sleep(0.05)
    reply = harness.sender.view_submission(
        user_id="U001",
        callback_id="win_modal",
        values=win_values("Called the customer back", option["value"]),
        view_id="VW2",
    )
    assert reply.status == 200 and not reply.body
    deadline = time.monotonic() + WAIT_SECONDS
    while len(win_rows(harness)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    rows = win_rows(harness)
    assert [(w.author_id, w.from_tough) for w in rows] == [("U003", False), ("U001", True)]
    # The win keeps only the flag: not which request, not its text.
    assert "froze" not in json.dumps([w.model_dump(mode="json") for w in rows])

    ending = json.loads(cxreport(harness))[-3:]
    title = catalogs()[language]["report.end.from_tough"].split("{author}")[0]
    assert title in json.dumps(ending, ensure_ascii=False) and "Called the customer back" in json.dumps(ending)
    top = report_json_now(harness)["wins"]["top"]
    assert (top["author"], top["from_tough"]) == ("U001", True)


OUTSIDER = "WEXT"  # another org's person in the team's Slack Connect channel


@BOTH_BACKENDS
def test_an_outsider_named_a_manager_is_never_offered_or_sent_a_request(harness: Harness) -> None:
    """A Slack Connect person let through as a manager (set_managers judges by the cache before a modal's ack)
    has no role here: the person can't pick them, and a forged pick sends them nothing."""
    setup_team(harness)
    harness.fake.add_external_user(OUTSIDER)
    with harness.db.session_scope() as session:
        team_id = session.exec(select(TeamManager.team_id).where(TeamManager.user_id == MANAGER)).one()
        session.add(TeamManager(workspace_id="T0001", team_id=team_id, user_id=OUTSIDER))
    harness.sender.command("/tough", "", user_id="U001", channel_id=CHANNEL)
    [opened] = harness.fake.wait_for("views.open")
    managers_block = next(b for b in opened.params["view"]["blocks"] if b.get("block_id") == "managers")
    assert [o["value"] for o in managers_block["element"]["options"]] == [MANAGER]

    harness.fake.clear_calls()
    submit(harness, "U001", "tough_modal", moment_values("talk", WHAT, [MANAGER, OUTSIDER]), "VX1")
    manager_dm(harness, MANAGER)
    harness.clock.advance(timedelta(days=1, hours=1))
    tough_tick(harness.deps)  # the reminder goes to the chosen managers only
    assert OUTSIDER not in {c.params.get("channel") for c in harness.fake.calls_to("chat.postMessage")}
    with harness.db.session_scope() as session:
        assert [m.user_id for m in session.exec(select(ToughRequestManager))] == [MANAGER]
