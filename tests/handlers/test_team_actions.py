"""The action loop through the running app: `/pulse action` commits, the next pulse DM starts with
"Since last time", the digest lists open and done actions; in English and Finnish, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from sqlmodel import select

from bot.blocks.report import chart_figure
from bot.domain.report import report_json
from bot.i18n import catalogs, translator
from bot.services import reports
from bot.services.export import export_csv
from storage.models import ActionHelpAnswer, TeamAction
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
MANAGER = "UMGR"
TEXTS = {
    "en": {"since": "Since last time:", "open": "in progress", "done": "done", "title": "You said, we did"},
    "fi": {"since": "Viime kerran jälkeen:", "open": "työn alla", "done": "tehty", "title": "Sanoitte, teimme"},
}


def command(harness: Harness, text: str, user: str) -> dict[str, Any]:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", text, user_id=user, channel_id=CHANNEL)
    return dict(harness.fake.wait_for("response_url")[0].params)


def action_values(need: str, text: str, owner: str, due: str) -> dict[str, Any]:
    return {
        "need": {"value": {"type": "static_select", "selected_option": {"value": need}}},
        "text": {"value": {"type": "plain_text_input", "value": text}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
    }


def first_block_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks[0], ensure_ascii=False)


@pytest.mark.parametrize("metadata", ["", "support", "1; 2"])
def test_a_forged_action_form_without_a_team_number_closes_and_saves_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    """Pulssi's modal always carries the team's number; a forged view_submission without one is closed (a plain
    ack, not `errors` with nothing in it), saves nothing, tells nobody, and leaves a warning without the person."""
    caplog.set_level(logging.WARNING, logger="handlers.team_actions")
    make_team(harness, [*MEMBERS, MANAGER])
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    harness.fake.clear_calls()
    response = harness.sender.view_submission(
        user_id=MANAGER,
        callback_id="team_action_modal",
        values=action_values("autonomy", "Fewer meetings", "U002", "2099-04-30"),
        private_metadata=metadata,
    )
    assert response.status == 200 and not response.body
    deadline = time.monotonic() + WAIT_SECONDS
    while "without a team number" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    [warning] = [r for r in caplog.records if "without a team number" in r.getMessage()]
    assert warning.levelno == logging.WARNING and MANAGER not in warning.getMessage()
    assert "Fewer meetings" not in caplog.text
    assert not harness.fake.calls_to("chat.postMessage")  # the warning comes where the handler returns
    with harness.db.session_scope() as session:
        assert session.exec(select(TeamAction)).all() == []


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_commitment_reaches_the_next_pulse_dm_and_the_digest(harness: Harness, language: str) -> None:
    texts = TEXTS[language]
    make_team(harness, [*MEMBERS, MANAGER])
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        for user in [*MEMBERS, MANAGER]:
            command(harness, f"language {language}", user)
        command(harness, f"language team {language}", MANAGER)

    # An employee may not commit the team to anything.
    refusal = json.dumps(command(harness, "action", "U001"))
    assert f"<@{MANAGER}>" in refusal and not harness.fake.calls_to("views.open")
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "action", user_id=MANAGER, channel_id=CHANNEL)
    view = harness.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "team_action_modal"
    bad = harness.sender.view_submission(
        user_id=MANAGER,
        callback_id="team_action_modal",
        values=action_values("autonomy", "  ", MANAGER, "2020-01-01"),
        private_metadata=view["private_metadata"],
    ).json()
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"text", "due"}
    response = harness.sender.view_submission(
        user_id=MANAGER,
        callback_id="team_action_modal",
        values=action_values("autonomy", "Weekly <!here> planning slot", "U002", "2026-04-30"),
        private_metadata=view["private_metadata"],
    )
    assert response.status == 200 and not response.body
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == MANAGER)

    # The next round's DM starts with it, in each person's language, the text escaped.
    command(harness, "now", ADMIN)
    # The manager is in the channel but not pulsed with the team they manage.
    dms = wait_pulse_dms(harness, len(MEMBERS))
    opening = first_block_text(dms["U001"][2])
    assert texts["since"] in opening and f"Weekly &lt;!here&gt; planning slot ({texts['open']})" in opening

    listed = command(harness, "action list", MANAGER)
    assert texts["title"] in json.dumps(listed, ensure_ascii=False)
    with harness.db.session_scope() as session:
        [action_id] = session.exec(select(TeamAction.id)).all()
    assert "Weekly" in json.dumps(command(harness, f"action done {action_id}", MANAGER))

    command(harness, "close", ADMIN)
    digest = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)[0]
    shown = json.dumps(digest.params["blocks"], ensure_ascii=False)
    assert texts["title"] in shown and f"({texts['done']})" in shown and "&lt;!here&gt;" in shown
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)

    with harness.db.session_scope() as session:
        scope = reports.team_scope("T0001", reports.scope_teams(session, "T0001")[0])
    start, end = reports.period_ending(reports.local_today(harness.settings, harness.clock()), 4)
    [as_json] = report_json(reports.build_report(harness.db, scope, start, end, k=5))["actions"]
    assert as_json == {
        "id": action_id,
        "need": "autonomy",
        "text": "Weekly <!here> planning slot",
        "owner": "U002",
        "due_on": "2026-04-30",
        "status": "done",
        "did_this_help": None,  # done while its round was open: the next round asks
    }
    exported = export_csv(harness.deps, "T0001")
    assert "action,support,2026-03-02,,,,autonomy,done,,Weekly <!here> planning slot," in exported.splitlines()

    # The round after: the done action is recalled as done.
    harness.fake.clear_calls()
    command(harness, "now", ADMIN)
    harness.fake.wait_for("chat.postMessage", count=len(MEMBERS))
    newest = wait_pulse_dms(harness, len(MEMBERS))
    assert f"planning slot ({texts['done']})" in first_block_text(newest["U003"][2])


def test_report_button_under_the_needs_opens_the_form_with_the_need_chosen(harness: Harness) -> None:
    make_team(harness, [*MEMBERS, MANAGER])
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "#support 4", user_id=MANAGER, channel_id=CHANNEL)
    [reply] = harness.fake.wait_for("response_url")
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)
    blocks = reply.params["blocks"]
    fields_at = next(i for i, b in enumerate(blocks) if "fields" in b)
    buttons = blocks[fields_at + 1]["elements"]
    assert [b["action_id"] for b in buttons] == [
        f"team_action_commit_{n}" for n in ("autonomy", "competence", "belonging")
    ]
    value = buttons[1]["value"]

    def press(user: str) -> None:
        harness.sender.block_action(
            user_id=user,
            action_id="team_action_commit_competence",
            value=value,
            container={"type": "message", "channel_id": CHANNEL, "message_ts": "1.1", "is_ephemeral": True},
        )

    harness.fake.clear_calls()
    press("U001")  # an employee, with a forged click: refused
    assert "Only" in json.dumps(harness.fake.wait_for("response_url")[0].params)
    assert not harness.fake.calls_to("views.open")
    press(MANAGER)
    view = harness.fake.wait_for("views.open")[0].params["view"]
    need = next(b for b in view["blocks"] if b.get("block_id") == "need")
    assert need["element"]["initial_option"]["value"] == "competence"


HELP_TEXTS = {
    "en": {"question": "Did this help?", "result": "yes 3, no 1, not sure 1 (n=5)", "few": "not enough answers"},
    "fi": {"question": "Auttoiko tämä?", "result": "kyllä 3, ei 1, en osaa sanoa 1 (n=5)", "few": "liian vähän"},
}


def help_button(dm: tuple[str, str, list[dict[str, Any]]], answer: str) -> dict[str, Any]:
    for block in dm[2]:
        if ":help:" in str(block.get("block_id", "")):
            return next(e for e in block["elements"] if e["action_id"] == f"action_help_{answer}")
    raise AssertionError("no did-this-help question in the DM")


def answer_help(harness: Harness, user: str, dm: tuple[str, str, list[dict[str, Any]]], answer: str) -> None:
    channel, ts, blocks = dm
    button = help_button(dm, answer)
    harness.sender.block_action(
        user_id=user,
        action_id=button["action_id"],
        value=button["value"],
        channel_id=channel,
        container={"type": "message", "channel_id": channel, "message_ts": ts, "is_ephemeral": False},
        message={"ts": ts, "blocks": blocks, "text": "pulse"},
    )


def commit_and_finish(harness: Harness, text: str) -> int:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "action", user_id=MANAGER, channel_id=CHANNEL)
    view = harness.fake.wait_for("views.open")[0].params["view"]
    harness.sender.view_submission(
        user_id=MANAGER,
        callback_id="team_action_modal",
        values=action_values("belonging", text, MANAGER, "2026-04-30"),
        private_metadata=view["private_metadata"],
    )
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == MANAGER)
    with harness.db.session_scope() as session:
        action_id = max(i for i in session.exec(select(TeamAction.id)).all() if i is not None)
    command(harness, f"action done {action_id}", MANAGER)
    return action_id


def close_and_digest(harness: Harness) -> str:
    command(harness, "close", ADMIN)
    digest = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)[0]
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)
    return json.dumps(digest.params["blocks"], ensure_ascii=False)


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_done_action_is_asked_about_once_and_shown_at_k(harness: Harness, language: str) -> None:
    texts = HELP_TEXTS[language]
    make_team(harness, [*MEMBERS, MANAGER])
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        for user in [*MEMBERS, MANAGER]:
            command(harness, f"language {language}", user)
        command(harness, f"language team {language}", MANAGER)
    action_id = commit_and_finish(harness, "Pair <b>up</b> on hard calls")

    # The next round asks once, the same question for everyone, the action's text escaped.
    harness.fake.clear_calls()
    command(harness, "now", ADMIN)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    asked = [json.dumps(dms[u][2], ensure_ascii=False) for u in MEMBERS]
    assert all(texts["question"] in a and "Pair &lt;b&gt;up&lt;/b&gt;" in a for a in asked)
    help_blocks = {json.dumps([b for b in dms[u][2] if ":help:" in str(b.get("block_id", ""))]) for u in MEMBERS}
    assert len(help_blocks) == 1  # the same question and buttons for everyone: nothing personal
    answers = {"U001": "yes", "U002": "no", "U003": "unsure", "U004": "yes", "U005": "no"}
    for user, answer in answers.items():
        answer_help(harness, user, dms[user], answer)
    harness.fake.wait_for("chat.postEphemeral", count=len(answers))
    answer_help(harness, "U005", dms["U005"], "yes")  # a changed mind leaves one answer
    harness.fake.wait_for("chat.postEphemeral", count=len(answers) + 1)
    # The DMs never change when someone answers (Slack keeps edits); only ephemeral notes confirm.
    assert not harness.fake.calls_to("chat.update")
    with harness.db.session_scope() as session:
        kept = session.exec(select(ActionHelpAnswer)).all()
        assert len(kept) == len(MEMBERS) and all(not hasattr(a, "user_id") for a in kept)
        assert not any(u in json.dumps([a.model_dump() for a in kept]) for u in MEMBERS)

    shown = close_and_digest(harness)
    assert texts["result"] in shown
    # The manager's /cxreport shows the same under "You said, we did".
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "#support 4", user_id=MANAGER, channel_id=CHANNEL)
    [reply] = harness.fake.wait_for("response_url")
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)
    assert texts["result"] in json.dumps(reply.params["blocks"], ensure_ascii=False)
    with harness.db.session_scope() as session:
        assert not session.exec(select(ActionHelpAnswer)).all()  # only the action's counts remain
        action = session.get(TeamAction, action_id)
        assert action is not None and (action.help_yes, action.help_no, action.help_unsure) == (3, 1, 1)

    with harness.db.session_scope() as session:
        scope = reports.team_scope("T0001", reports.scope_teams(session, "T0001")[0])
    start, end = reports.period_ending(reports.local_today(harness.settings, harness.clock()), 4)
    report = reports.build_report(harness.db, scope, start, end, k=5)
    [as_json] = report_json(report)["actions"]
    assert as_json["did_this_help"] == {"yes": 3, "no": 1, "not_sure": 1, "n": 5}
    # The chart marks the action on its need's line, committed and done (both this week), with a legend.
    figure = chart_figure(translator(language), report)
    marks = [line for line in figure.axes[0].get_lines() if line.get_gid() == "action"]
    assert [line.get_marker() for line in marks] == ["D", "*"]
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == [
        catalogs()[language]["report.chart.action_committed"],
        catalogs()[language]["report.chart.action_done"],
    ]
    assert report_json(reports.build_report(harness.db, scope, start, end, k=6))["actions"][0]["did_this_help"] == {
        "suppressed": True
    }
    exported = export_csv(harness.deps, "T0001").splitlines()
    assert any(line.startswith("action_help,support,") and ",60.0,5," in line for line in exported)

    # The round after does not ask again.
    harness.fake.clear_calls()
    command(harness, "now", ADMIN)
    harness.fake.wait_for("chat.postMessage", count=len(MEMBERS))
    newest = wait_pulse_dms(harness, len(MEMBERS))
    assert texts["question"] not in json.dumps(newest["U001"][2], ensure_ascii=False)


@BOTH_BACKENDS
def test_did_this_help_below_k_shows_no_counts(harness: Harness) -> None:
    make_team(harness, [*MEMBERS, MANAGER])
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    commit_and_finish(harness, "Quiet hour on Fridays")
    harness.fake.clear_calls()
    command(harness, "now", ADMIN)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    for user in MEMBERS[:4]:
        answer_help(harness, user, dms[user], "yes")
    harness.fake.wait_for("chat.postEphemeral", count=4)
    shown = close_and_digest(harness)
    assert HELP_TEXTS["en"]["few"] in shown and "yes 4" not in shown
    exported = export_csv(harness.deps, "T0001")
    assert "action_help" not in exported


def _asked(dm: tuple[str, str, list[dict[str, Any]]]) -> list[str]:
    return [str(b["block_id"]) for b in dm[2] if ":help:" in str(b.get("block_id", ""))]


@BOTH_BACKENDS
def test_a_round_asks_only_about_the_actions_its_dm_shows_and_the_next_asks_the_rest(harness: Harness) -> None:
    """Four actions done between two rounds: the DM shows three "did this help?" questions, so the round may
    claim only those; the fourth is asked by the next round, not counted as asked with no answers forever."""
    make_team(harness, [*MEMBERS, MANAGER])
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    ids = [commit_and_finish(harness, f"Action {number}") for number in range(1, 5)]
    harness.fake.clear_calls()
    command(harness, "now", ADMIN)
    first = _asked(wait_pulse_dms(harness, len(MEMBERS))["U001"])
    assert [block_id.rpartition(":help:")[2] for block_id in first] == [str(i) for i in ids[:3]]
    with harness.db.session_scope() as session:
        claimed = {a.id: a.help_round_id for a in session.exec(select(TeamAction))}
    assert [claimed[i] is not None for i in ids] == [True, True, True, False]
    close_and_digest(harness)
    harness.fake.clear_calls()
    command(harness, "now", ADMIN)
    second = _asked(wait_pulse_dms(harness, len(MEMBERS))["U001"])
    assert [block_id.rpartition(":help:")[2] for block_id in second] == [str(ids[3])]
