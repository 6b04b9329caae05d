"""The team's pulse comments where managers look: /cxreport, Home, the digest's count, the export (issue 17)."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest
from sqlmodel import select

from bot.blocks import escape
from bot.i18n import catalogs
from storage.models import CxResponse, Team
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, click, make_team, wait_pulse_dms

MEMBERS = ["U001", "U002", "U003", "U004", "U005", "U006"]
MANAGER = "U006"
WRITERS = ["U001", "U002", "U003", "U004", "U005"]
COMMENTS = {
    "U001": "More time for hard cases, please.",
    "U002": "Our <!channel> tooling is slow & *nobody* owns it",
    "U003": "Onboarding buddies helped a lot.",
    "U004": "Too many meetings on Mondays.",
    "U005": "I'd like feedback on my calls.",
}


def command(harness: Harness, text: str, user: str) -> dict[str, Any]:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", text, user_id=user, channel_id=CHANNEL)
    return dict(harness.fake.wait_for("response_url")[0].params)


def write_comment(
    harness: Harness, user: str, dm: tuple[str, str, list[dict[str, Any]]], text: str, need: str | None = None
) -> None:
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
    response = harness.sender.view_submission(
        user_id=user,
        callback_id="pulse_comment_modal",
        private_metadata=opened["private_metadata"],
        values={
            "comment": {"text": {"type": "plain_text_input", "value": text}},
            "need": {"value": {"type": "static_select", "selected_option": {"value": need} if need else None}},
        },
    )
    assert response.status == 200
    harness.fake.wait_for("chat.postEphemeral")


def run_round(harness: Harness, comments: dict[str, str]) -> None:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "now", user_id=ADMIN, channel_id=CHANNEL)
    dms = wait_pulse_dms(harness, len(WRITERS))
    for user in WRITERS:
        for question in ("autonomy", "competence", "belonging"):
            click(harness, user, dms[user], question, 4)
    harness.fake.wait_for("chat.postEphemeral", count=3 * len(WRITERS))
    for user, text in comments.items():
        write_comment(harness, user, dms[user], text, "competence" if user == "U005" else None)
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "close", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "closed" in json.dumps(c.params))


def digest_blocks(harness: Harness) -> str:
    digest = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    return json.dumps(digest[0].params["blocks"], ensure_ascii=False)


def report_blocks(harness: Harness, user: str) -> str:
    harness.fake.clear_calls()
    response = harness.sender.command("/cxreport", "#support 8", user_id=user, channel_id=CHANNEL)
    assert response.status == 200
    [call] = harness.fake.wait_for("response_url")
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def open_home(harness: Harness, user: str) -> str:
    harness.fake.clear_calls()
    harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)
    return json.dumps(harness.fake.home_views[user], ensure_ascii=False)


def export_rows(harness: Harness) -> list[dict[str, str]]:
    harness.fake.clear_calls()
    harness.sender.command("/pulse", "export", user_id=ADMIN, channel_id=CHANNEL)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [f for f in harness.fake.uploaded_files if f.filename == "pulssi-export.csv"]
        if found:
            return list(csv.DictReader(io.StringIO(found[-1].content.decode())))
        time.sleep(0.02)
    raise AssertionError("no export uploaded")


def add_customer_comments(harness: Harness) -> None:
    with harness.db.session_scope() as session:
        team = session.exec(select(Team)).one()
        today = harness.clock().date()
        for key, score, comment in [
            ("p1", 10, "Quick & kind help <3"),
            ("d1", 2, "Nobody called back, reach me at +358 40 123 4567 or ville@example.fi"),
        ]:
            session.add(
                CxResponse(
                    workspace_id=team.workspace_id,
                    row_key=key,
                    day=today,
                    metric="nps",
                    score=score,
                    team_id=team.id,
                    comment=comment,
                )
            )


def json_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


@BOTH_BACKENDS
@pytest.mark.parametrize("language", ["en", "fi"])
def test_k_comments_reach_managers_and_the_channel_learns_only_their_count(harness: Harness, language: str) -> None:
    texts = catalogs()[language]
    make_team(harness, MEMBERS)
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    if language != "en":
        command(harness, f"language {language}", MANAGER)
        command(harness, f"language team {language}", MANAGER)
    add_customer_comments(harness)
    run_round(harness, COMMENTS)

    digest = digest_blocks(harness)
    assert "Quick" not in digest and "Nobody called back" not in digest  # customers' words stay with managers
    assert texts["feedback.comments.digest"].format(total=5)[:30] in digest
    for text in COMMENTS.values():
        assert json_text(escape(text)) not in digest and json_text(text) not in digest

    report = report_blocks(harness, MANAGER)
    assert texts["feedback.comments.title"] in report
    for text in COMMENTS.values():
        assert json_text(escape(text)) in report  # people's text escaped: no <!channel> ping, no bold
    assert "<!channel>" not in report
    tag = catalogs()[language]["win.need.competence"]
    assert f"[{tag}] {json_text(escape(COMMENTS['U005']))}" in report  # the need the writer chose
    assert texts["feedback.comments.intro"].format(shown=5, total=5)[:20] in report
    # Customers' words beside NPS: both sides, masked, escaped.
    assert texts["feedback.cx.title"] in report and texts["feedback.cx.detractors"] in report
    assert "Quick &amp; kind help &lt;3" in report
    assert "Nobody called back, reach me at [phone] or [email]" in report
    assert "123 4567" not in report and "ville@" not in report

    home = open_home(harness, MANAGER)
    for text in COMMENTS.values():
        assert json_text(escape(text)) in home
    employee = open_home(harness, "U001")
    for text in COMMENTS.values():
        assert json_text(escape(text)) not in employee

    rows = export_rows(harness)
    assert sorted(r["text"] for r in rows if r["section"] == "comment") == sorted(COMMENTS.values())
    assert all(r["date"] == "" and r["round"] == "" for r in rows if r["section"] == "comment")
    assert {r["metric"] for r in rows if r["section"] == "comment"} == {"competence", ""}


@BOTH_BACKENDS
def test_fewer_than_k_comments_appear_nowhere(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    command(harness, f"managers <@{MANAGER}>", ADMIN)
    four = dict(list(COMMENTS.items())[:4])  # 5 answered, 4 commented: k = 5 comments not reached
    run_round(harness, four)

    digest = digest_blocks(harness)
    assert "comments in this period" not in digest
    report = report_blocks(harness, MANAGER)
    assert "appear here when rounds with at least 5 respondents have at least 5 comments" in report
    home = open_home(harness, MANAGER)
    for text in four.values():
        for shown in (digest, report, home):
            assert json_text(escape(text)) not in shown and json_text(text) not in shown
    assert not [r for r in export_rows(harness) if r["section"] == "comment"]
