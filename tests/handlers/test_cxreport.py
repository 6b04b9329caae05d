"""/cxreport, the team digest after a round, and `/pulse cxfeed` through the harness."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness, running_app
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, stored_polarity, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005", "U006"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def run_round(harness: Harness, answers: dict[str, int]) -> None:
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(MEMBERS))
    for user, value in answers.items():
        for question in ("autonomy", "competence", "belonging"):
            click(harness, user, dms[user], question, value)
    harness.fake.wait_for("chat.postEphemeral", count=3 * len(answers))  # each answer confirmed privately
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))


def report_response(harness: Harness) -> dict:  # type: ignore[type-arg]
    [call] = harness.fake.wait_for("response_url")
    return dict(call.params)


def test_non_manager_is_refused_politely(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U006>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "", user_id="U001", channel_id=CHANNEL)
    text = json.dumps(report_response(harness))
    assert "Only the team's managers (<@U006>) and workspace admins" in text
    assert not harness.fake.uploaded_files
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "all", user_id="U006", channel_id=CHANNEL)
    assert "Only workspace admins can see the whole workspace" in json.dumps(report_response(harness))


@BOTH_BACKENDS
def test_manager_gets_report_privately_with_chart_and_digest_goes_to_channel(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "managers <@U006>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.fake.clear_calls()
    run_round(harness, {"U001": 5, "U002": 4, "U003": 4, "U004": 3, "U005": 4})
    # The digest: posted in the team channel once the round closed, with its chart.
    digest = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    digest_text = json.dumps(digest[0].params["blocks"])
    assert "4.00" in digest_text and "n=5" in digest_text  # autonomy mean of 5,4,4,3,4
    assert "U001" not in digest_text
    harness.fake.wait_for("files.completeUploadExternal")  # after the close scrubs and updates DMs
    assert any(f.channel_id == CHANNEL for f in harness.fake.uploaded_files)

    harness.fake.clear_calls()
    response = harness.sender.command("/cxreport", "#support 8", user_id="U006", channel_id=CHANNEL)
    assert response.status == 200
    params = report_response(harness)
    assert params["response_type"] == "ephemeral"
    blocks = json.dumps(params["blocks"])
    assert "Quality side" in blocks and "Energy side" in blocks and "n=5" in blocks
    assert "No wins shared in this period yet" in blocks  # ends on the (missing) top win
    upload = harness.fake.wait_for("files.completeUploadExternal")[0]
    assert upload.params["channel_id"] == "DU006"
    chart = next(f for f in harness.fake.uploaded_files if f.channel_id == "DU006")
    assert png_size(chart.content)[0] == 640  # sized to read at 360 px on a phone


def test_report_ends_with_the_most_celebrated_win(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    values = {
        "story": {"value": {"type": "plain_text_input", "value": "We saved the customer's launch day!"}},
        "colleagues": {"value": {"type": "multi_users_select", "selected_users": ["U002"]}},
    }
    harness.sender.view_submission(user_id="U001", callback_id="win_modal", values=values)
    harness.fake.wait_for("chat.postEphemeral")
    stored_polarity(harness)  # the tone is read after the celebration
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "all", user_id=ADMIN, channel_id=CHANNEL)
    blocks = report_response(harness)["blocks"]
    assert "most celebrated win" in json.dumps(blocks[-3:])
    assert "launch day" in json.dumps(blocks[-2])
    assert "Tone: +" in json.dumps(blocks[-1])  # an English story is scored


def test_unknown_team_and_bad_weeks(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/cxreport", "nosuchteam", user_id=ADMIN, channel_id=CHANNEL)
    assert "No team matches nosuchteam" in json.dumps(report_response(harness))
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "all 500", user_id=ADMIN, channel_id=CHANNEL)
    assert "between 1 and 260" in json.dumps(report_response(harness))
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "all 0", user_id=ADMIN, channel_id=CHANNEL)
    assert "between 1 and 260: 0" in json.dumps(report_response(harness))
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "all -3", user_id=ADMIN, channel_id=CHANNEL)
    assert "between 1 and 260: -3" in json.dumps(report_response(harness))


def test_cxfeed_command_imports_and_reports_rejections(fake_slack, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    feed = tmp_path / "nps.csv"
    feed.write_text("date,nps,team\n2026-01-05,10,support\n2026-01-05,eleven,support\n", encoding="utf-8")
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(tmp_path)) as harness:
        make_team(harness, MEMBERS)
        harness.sender.command("/pulse", f"cxfeed {feed}", user_id="U001", channel_id=CHANNEL)
        assert "Only workspace admins" in json.dumps(report_response(harness))
        harness.fake.clear_calls()
        harness.sender.command("/pulse", "cxfeed /etc/passwd", user_id=ADMIN, channel_id=CHANNEL)
        assert "CX_FEED_DIR" in json.dumps(report_response(harness))
        harness.fake.clear_calls()
        harness.sender.command("/pulse", f"cxfeed {feed}", user_id=ADMIN, channel_id=CHANNEL)
        calls = harness.fake.wait_for("response_url", count=2)
        summary = json.dumps(calls[1].params)
        assert "2 rows read, 1 imported, 0 already present, 1 rejected" in summary
        assert "line 3" in summary
        harness.fake.clear_calls()
        harness.sender.command("/pulse", "cxfeed refresh", user_id=ADMIN, channel_id=CHANNEL)
        assert "0 imported, 1 already present" in json.dumps(report_response(harness))
        harness.fake.clear_calls()
        harness.sender.command("/pulse", "cxfeed", user_id=ADMIN, channel_id=CHANNEL)
        assert "nps.csv" in json.dumps(report_response(harness))
        # The admin's Home shows the feed's status with the rejected line and its reason, not the cell itself.
        harness.sender.event({"type": "app_home_opened", "user": ADMIN, "tab": "home", "channel": "DUADMIN"})
        harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == ADMIN)
        home = json.dumps(harness.fake.home_views[ADMIN])
        assert "nps.csv" in home and "line 3" in home and "is not a number" in home
        assert "eleven" not in home


def test_scheduled_import_with_rejections_dms_the_admin(fake_slack, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from bot.services.cx_schedule import cx_feed_tick
    from handlers.delivery import tell_import_problem

    feed = tmp_path / "nps.csv"
    feed.write_text("date,nps\n2026-01-05,10\n", encoding="utf-8")
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(tmp_path)) as harness:
        make_team(harness, MEMBERS)
        harness.sender.command("/pulse", f"cxfeed {feed}", user_id=ADMIN, channel_id=CHANNEL)
        harness.fake.wait_for("response_url", count=2)
        harness.fake.clear_calls()
        feed.write_text("date,nps\n2026-01-05,10\n2026-01-06,99\n", encoding="utf-8")
        cx_feed_tick(harness.deps, tell_import_problem)  # not due yet: pulled a moment ago
        assert not harness.fake.calls_to("chat.postMessage")
        harness.clock.advance(timedelta(minutes=61))
        cx_feed_tick(harness.deps, tell_import_problem)
        [dm] = harness.fake.wait_for("chat.postMessage")
        assert dm.params["channel"] == ADMIN and "line 3" in dm.params["text"]


def test_asking_again_while_the_report_is_built_does_not_build_it_twice(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.set_latency(0.4)  # the delivery (response_url, DM, chart upload) takes a while
    assert harness.sender.command("/cxreport", "all", user_id=ADMIN, channel_id=CHANNEL).status == 200
    assert harness.sender.command("/cxreport", "all", user_id=ADMIN, channel_id=CHANNEL).status == 200
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)
    responses = [json.dumps(c.params) for c in harness.fake.wait_for("response_url", count=2, timeout=30)]
    assert sum("already being built" in r for r in responses) == 1
    assert sum("Quality side" in r for r in responses) == 1
    # Once delivered, the same report can be asked for again. The build gives its claim up when its last Slack call
    # has returned, a moment after the fake saw that call: on a loaded machine the next ask can still meet it.
    harness.fake.set_latency(0)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        harness.fake.clear_calls()
        harness.sender.command("/cxreport", "kaikki", user_id=ADMIN, channel_id=CHANNEL)
        answer = json.dumps(report_response(harness))
        if "already being built" not in answer or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "Quality side" in answer


def test_cxfeed_columns_take_quoted_names_with_commas_and_column_numbers(  # type: ignore[no-untyped-def]
    fake_slack, database_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "forms.csv"
    feed.write_text(
        'Timestamp,"On a scale of 0-10, how would you rate us?",Why\n2026-01-05 10:00:00,9,great\n', encoding="utf-8"
    )
    with running_app(fake_slack, database_url, CX_FEED_DIR=str(tmp_path)) as harness:
        make_team(harness, MEMBERS)
        # Slack turns typed quotes into curly ones; both work.
        mapping = "date=#1, nps=“On a scale of 0-10, how would you rate us?”"
        harness.sender.command("/pulse", f"cxfeed columns {mapping}", user_id=ADMIN, channel_id=CHANNEL)
        assert "Column mapping saved" in json.dumps(report_response(harness))
        harness.fake.clear_calls()
        harness.sender.command("/pulse", f"cxfeed {feed}", user_id=ADMIN, channel_id=CHANNEL)
        calls = harness.fake.wait_for("response_url", count=2)
        assert "1 row read, 1 imported, 0 already present, 0 rejected" in json.dumps(
            calls[1].params, ensure_ascii=False
        )


def test_a_report_during_the_first_round_says_the_round_is_open(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    wait_pulse_dms(harness, len(MEMBERS))
    harness.fake.clear_calls()
    harness.sender.command("/cxreport", "#support 4", user_id=ADMIN, channel_id=CHANNEL)
    blocks = json.dumps(report_response(harness)["blocks"])
    assert "a round is open: results after it closes" in blocks
    assert "0 invited" not in blocks and "invited)" not in blocks
    harness.fake.wait_for("files.completeUploadExternal")
    [chart] = harness.fake.uploaded_files
    assert png_size(chart.content)[0] == 640


NAME = "R&D <Ops>"
ESCAPED_NAME = "R&amp;D &lt;Ops&gt;"


def test_a_team_name_reads_as_typed_in_plain_text_and_escaped_in_mrkdwn(harness: Harness) -> None:
    """Slack shows plain_text (a header, a modal's options) as it is and parses mrkdwn and a message's text: a
    team named `R&D <Ops>` goes to the first as typed (an entity there would read `&lt;`), to the others escaped,
    in the report, the channel's digest, Home and the modals that name the team."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", f"rename {NAME}", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.sender.command("/pulse", "managers <@U006>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", count=2)
    harness.fake.clear_calls()

    harness.sender.command("/cxreport", "", user_id=ADMIN, channel_id=CHANNEL)
    report = report_response(harness)
    assert report["blocks"][0]["type"] == "header"
    assert report["blocks"][0]["text"]["text"].startswith(f"{NAME}: people and customers")
    assert report["text"].startswith(f"{ESCAPED_NAME}: people and customers")
    assert f"Report for *{ESCAPED_NAME}*, this channel's team" in json.dumps(report["blocks"][1], ensure_ascii=False)
    harness.fake.wait_for("files.completeUploadExternal")

    run_round(harness, {"U001": 5, "U002": 4, "U003": 4, "U004": 3, "U005": 4})
    [digest] = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    blocks = digest.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    header = next(b for b in blocks if b["type"] == "header")  # under the digest's intro
    assert header["text"]["text"].startswith(f"{NAME}: ")
    assert digest.params["text"].startswith(f"{ESCAPED_NAME}: ")
    harness.fake.wait_for("files.completeUploadExternal")

    harness.sender.event({"type": "app_home_opened", "user": "U001", "tab": "home", "channel": "DU001"})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == "U001")
    assert f"Your team: *{ESCAPED_NAME}*" in json.dumps(harness.fake.home_views["U001"], ensure_ascii=False)

    harness.fake.clear_calls()
    harness.sender.command("/pulse", "action", user_id="U006", channel_id=CHANNEL)
    action_form = json.dumps(harness.fake.wait_for("views.open")[0].params["view"], ensure_ascii=False)
    assert f"For the team {ESCAPED_NAME}." in action_form  # a context block: mrkdwn

    harness.fake.add_user("U030")
    harness.fake.join_channel(CHANNEL, "U030")  # joined after setup: in no team, so /win asks which team
    harness.fake.clear_calls()
    harness.sender.command("/win", "", user_id="U030", channel_id=CHANNEL)
    view = harness.fake.wait_for("views.open")[0].params["view"]
    picker = next(b for b in view["blocks"] if b.get("block_id") == "team")
    assert [o["text"]["text"] for o in picker["element"]["options"]] == [NAME]


def test_the_home_report_button_gives_an_admin_the_workspace_and_a_manager_the_team(harness: Harness) -> None:
    """Home's report button, as its docstring says: an admin gets the whole workspace even when they are a
    member of a team (their team's report is `/cxreport`), a manager their team's."""
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", f"move <@{ADMIN}> <#{CHANNEL}|support>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "home team for pulses is now" in json.dumps(c.params))
    harness.sender.command("/pulse", "managers <@U006>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", count=2)
    for user, scope in ((ADMIN, "Whole workspace"), ("U006", "support")):
        harness.fake.clear_calls()
        harness.sender.block_action(
            user_id=user, action_id="home_open_report", container={"type": "view", "view_id": "VHOME"}
        )
        [posted] = harness.fake.wait_for("chat.postMessage")
        assert posted.params["channel"] == f"D{user}"
        assert posted.params["text"].startswith(f"{scope}: people and customers"), (user, posted.params["text"])
        harness.fake.wait_for("files.completeUploadExternal")  # the chart, before the next click or the app stops
