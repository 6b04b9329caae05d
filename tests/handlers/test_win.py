"""/win through the harness: modal, celebration, thanks, validation, shortcut, reactions, edit and delete."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlmodel import select

from bot.domain.tone import read_tone
from storage.models import WinColleague
from tests.conftest import BOTH_BACKENDS
from tests.harness import Harness
from tests.patience import WAIT_SECONDS
from tests.pulse_helpers import ADMIN, CHANNEL, make_team, stored_polarity, wins_in_db

MEMBERS = ["U001", "U002", "U003"]
ENGLISH_STORY = "The customer was really happy: we fixed the broken invoice the same day and she thanked the team."
FINNISH_STORY = "Asiakas oli todella tyytyväinen, kun korjasimme laskun heti ja hän kiitti koko tiimiä avusta."


def opened_view(harness: Harness, index: int = -1) -> dict[str, Any]:
    calls = harness.fake.wait_for("views.open", count=1)
    return dict(calls[index].params["view"])


def state(
    story: str,
    *,
    customer: str | None = None,
    colleagues: list[str] | None = None,
    elements: list[str] | None = None,
    need: str | None = None,
    team: int | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "story": {"value": {"type": "plain_text_input", "value": story}},
        "customer": {"value": {"type": "plain_text_input", "value": customer}},
        "colleagues": {"value": {"type": "multi_users_select", "selected_users": colleagues or []}},
        "elements": {
            "value": {"type": "checkboxes", "selected_options": [{"value": e} for e in elements or []]},
        },
        "need": {"value": {"type": "radio_buttons", "selected_option": {"value": need} if need else None}},
    }
    if team is not None:
        values["team"] = {"value": {"type": "static_select", "selected_option": {"value": str(team)}}}
    return values


def submit(harness: Harness, user: str, values: dict[str, Any], *, view_id: str = "VWIN1", metadata: str = "{}") -> Any:
    return harness.sender.view_submission(
        user_id=user, callback_id="win_modal", values=values, view_id=view_id, private_metadata=metadata
    )


def celebration(harness: Harness, channel: str = CHANNEL, timeout: float = WAIT_SECONDS) -> tuple[str, dict[str, Any]]:
    """The celebration message in `channel`, once Slack has it."""
    deadline = time.monotonic() + timeout
    while True:
        for (message_channel, ts), message in harness.fake.messages.items():
            blocks = message["blocks"]
            celebrated = any(str(b.get("block_id", "")).startswith("win:") for b in blocks)
            if message_channel == channel and celebrated and any(w.message_ts == ts for w in wins_in_db(harness)):
                return ts, message  # posted, and the win knows its message (reactions can count)
        if time.monotonic() > deadline:
            raise AssertionError(f"no celebration in {channel}: {harness.fake.messages}")
        time.sleep(0.02)


@BOTH_BACKENDS
def test_win_command_opens_modal_and_submission_celebrates_thanks_and_stores(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    response = harness.sender.command("/win", "", user_id="U001", channel_id=CHANNEL)
    assert response.status == 200
    view = opened_view(harness)
    assert view["callback_id"] == "win_modal"
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids == ["story", "customer", "colleagues", "elements", "need"]  # home team known: no picker

    response = submit(
        harness,
        "U001",
        state(
            ENGLISH_STORY,
            customer="Acme",
            colleagues=["U002", "U003", "U001"],
            elements=["responsiveness"],
            need="competence",
        ),
    )
    assert response.status == 200
    assert not response.body  # plain ack closes the modal
    harness.fake.wait_for("chat.postMessage", count=3)  # celebration + two thank-you DMs
    ts, message = celebration(harness)
    text = json.dumps(message["blocks"])
    assert "<@U001>" in text and "Acme" in text and "<@U002>, <@U003>" in text
    assert "Responsiveness" in text and "Competence" in text
    thanked = {
        c.params["channel"]
        for c in harness.fake.calls_to("chat.postMessage")
        if "thanked you" in c.params.get("text", "")
    }
    assert thanked == {"U002", "U003"}  # the author does not thank themself
    dm = next(c for c in harness.fake.calls_to("chat.postMessage") if c.params["channel"] == "U002")
    assert f"p{ts.replace('.', '')}" in json.dumps(dm.params)  # a link to the celebration
    harness.fake.wait_for("chat.postEphemeral", predicate=lambda c: c.params["user"] == "U001")

    [win] = wins_in_db(harness)
    assert (win.author_id, win.customer, win.elements, win.need) == ("U001", "Acme", "responsiveness", "competence")
    assert (win.channel_id, win.message_ts) == (CHANNEL, ts)
    assert win.language == "en" and stored_polarity(harness) > 0
    with harness.db.session_scope() as session:
        colleagues = sorted(session.exec(select(WinColleague.user_id)).all())
    assert colleagues == ["U002", "U003"]


def read_tone_polarity(story: str) -> float:
    reading = read_tone(story)
    assert reading is not None
    return reading.polarity


@pytest.mark.parametrize(
    ("story", "language", "sign"),
    [
        (FINNISH_STORY, "fi", 1),
        ("Asiakas oli pettynyt ja vihainen, koska toimitus myöhästyi taas.", "fi", -1),
        (ENGLISH_STORY, "en", 1),
        ("The customer was angry: the refund was late again and nobody called back.", "en", -1),
    ],
)
def test_a_story_is_scored_in_finnish_and_english_as_comments_are(
    harness: Harness, story: str, language: str, sign: int
) -> None:
    make_team(harness, MEMBERS)
    submit(harness, "U001", state(story))
    harness.fake.wait_for("chat.postMessage")  # celebrated first: the tone is read after
    polarity = stored_polarity(harness)
    assert polarity == pytest.approx(read_tone_polarity(story))  # as comments and `python -m bot tone` read it
    assert wins_in_db(harness)[0].language == language and polarity * sign > 0


def test_win_text_prefills_story_and_finnish_user_gets_finnish_modal(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.add_user("U0FI", locale="fi-FI")
    harness.fake.join_channel(CHANNEL, "U0FI")  # joined after setup: in no team, offered the channel's team
    harness.sender.command("/win", "Asiakas soitti ja kiitti", user_id="U0FI", channel_id=CHANNEL)
    view = opened_view(harness)
    assert view["title"]["text"] == "Jaa onnistuminen"
    story = next(b for b in view["blocks"] if b["block_id"] == "story")
    assert story["element"]["initial_value"] == "Asiakas soitti ja kiitti"


def test_win_text_with_slacks_entities_is_stored_as_typed_and_posted_escaped_once(harness: Harness) -> None:
    """Slack sends `/win Q&A <3` as `Q&amp;A &lt;3`: the modal starts from what was typed (plain_text input,
    whose value comes back raw), the win stores that, and the celebration escapes it once."""
    make_team(harness, MEMBERS)
    typed = "Our Q&A <3 fixed R&D's invoice & the customer said so"
    harness.sender.command("/win", typed, user_id="U001", channel_id=CHANNEL)
    view = opened_view(harness)
    story = next(b for b in view["blocks"] if b["block_id"] == "story")["element"]["initial_value"]
    assert story == typed

    submit(harness, "U001", state(story), metadata=view["private_metadata"])
    _, message = celebration(harness)
    assert wins_in_db(harness)[0].text == typed
    posted = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Our Q&amp;A &lt;3 fixed R&amp;D's invoice &amp; the customer said so" in posted
    assert "&amp;amp;" not in posted and "&amp;lt;" not in posted


def test_a_shortcut_on_a_message_with_slacks_entities_prefills_what_it_says(harness: Harness) -> None:
    """A message's `text` carries Slack's entities too; the story starts from the text as it reads."""
    make_team(harness, MEMBERS)
    message = {"type": "message", "text": "Q&amp;A &lt;3 thanks <@U001>", "ts": "1700000000.123456", "user": "UCUST"}
    harness.sender.message_shortcut(user_id="U002", callback_id="share_as_win", message=message, channel_id="C0MAIL")
    view = opened_view(harness)
    story = next(b for b in view["blocks"] if b["block_id"] == "story")["element"]["initial_value"]
    assert story.endswith("\n\nQ&A <3 thanks <@U001>")


def test_win_help(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.command("/win", "help", user_id="U001", channel_id=CHANNEL)
    [call] = harness.fake.wait_for("response_url")
    assert "Share as a win" in json.dumps(call.params)
    assert not harness.fake.calls_to("views.open")


@pytest.mark.parametrize(
    ("story", "expected"),
    [
        ("   ", "can't be empty"),
        ("x" * 3001, "3001 characters; the limit is 3000"),
    ],
)
def test_empty_and_too_long_stories_are_refused_inline(harness: Harness, story: str, expected: str) -> None:
    make_team(harness, MEMBERS)
    response = submit(harness, "U001", state(story))
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert expected in body["errors"]["story"]
    assert wins_in_db(harness) == []
    assert not harness.fake.calls_to("chat.postMessage")


def test_3000_characters_is_accepted(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    response = submit(harness, "U001", state("y" * 3000))
    assert not response.body
    harness.fake.wait_for("chat.postMessage")
    assert len(wins_in_db(harness)[0].text) == 3000


def test_double_submit_celebrates_once(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    submit(harness, "U001", state(ENGLISH_STORY), view_id="VSAME")
    submit(harness, "U001", state(ENGLISH_STORY), view_id="VSAME")
    harness.fake.wait_for("chat.postMessage")
    harness.fake.wait_for("chat.postEphemeral")
    assert len(wins_in_db(harness)) == 1
    assert len([m for (c, _), m in harness.fake.messages.items() if c == CHANNEL]) == 1


def test_wins_channel_receives_the_celebration(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.add_channel("C0WINS", "wins", [*MEMBERS, "UBOT"])  # the bot was invited there
    harness.sender.command("/pulse", "winschannel <#C0WINS|wins>", user_id=ADMIN, channel_id=CHANNEL)
    harness.fake.wait_for("response_url")
    submit(harness, "U001", state(ENGLISH_STORY))
    harness.fake.wait_for("chat.postMessage")
    celebration(harness, "C0WINS")
    harness.fake.wait_for("chat.postEphemeral")  # sent after the post is recorded
    assert wins_in_db(harness)[0].channel_id == "C0WINS"


def test_rate_limited_post_is_retried_not_lost(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    submit(harness, "U001", state(ENGLISH_STORY))
    celebration(harness, timeout=WAIT_SECONDS)
    assert len([c for c in harness.fake.messages if c[0] == CHANNEL]) == 1


def test_person_in_no_team_picks_a_team(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.fake.add_user("UOUT")
    harness.fake.join_channel(CHANNEL, "UOUT")  # joined after setup: in no team, but in the team's channel
    harness.sender.command("/win", "", user_id="UOUT", channel_id="C0OTHER")
    view = opened_view(harness)
    picker = next(b for b in view["blocks"] if b["block_id"] == "team")
    team_id = int(picker["element"]["options"][0]["value"])
    assert picker["element"]["options"][0]["text"]["text"] == "support"

    refused = submit(harness, "UOUT", state(ENGLISH_STORY))
    assert refused.json()["errors"]["team"] == "Pick the team you share this with."
    refused = submit(harness, "UOUT", state(ENGLISH_STORY, team=team_id + 99))
    assert "your own teams" in refused.json()["errors"]["team"] or refused.json()["errors"]["team"]
    submit(harness, "UOUT", state(ENGLISH_STORY, team=team_id), view_id="VPICK")
    harness.fake.wait_for("chat.postMessage")
    celebration(harness)
    assert wins_in_db(harness)[0].team_id == team_id


def test_no_teams_at_all_explains_how_to_start(harness: Harness) -> None:
    harness.fake.add_user("U001")
    harness.sender.command("/win", "", user_id="U001")
    view = opened_view(harness)
    assert "/pulse setup" in json.dumps(view)
    assert view.get("callback_id") is None


def test_message_shortcut_prefills_text_and_link(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    message = {
        "type": "message",
        "text": "Thank you so much for the quick help!",
        "ts": "1700000000.123456",
        "user": "UCUST",
    }
    harness.sender.message_shortcut(user_id="U002", callback_id="share_as_win", message=message, channel_id="C0MAIL")
    view = opened_view(harness)
    story = next(b for b in view["blocks"] if b["block_id"] == "story")["element"]["initial_value"]
    link = "https://example.slack.com/archives/C0MAIL/p1700000000123456"
    assert link in story and "Thank you so much for the quick help!" in story
    assert json.loads(view["private_metadata"])["permalink"] == link

    submit(harness, "U002", state(story), metadata=view["private_metadata"])
    harness.fake.wait_for("chat.postMessage")
    assert wins_in_db(harness)[0].source_permalink == link


@BOTH_BACKENDS
def test_reactions_count_once_under_retried_events(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    submit(harness, "U001", state(ENGLISH_STORY))
    harness.fake.wait_for("chat.postMessage")
    ts, _ = celebration(harness)
    item = {"type": "message", "channel": CHANNEL, "ts": ts}
    added = {"type": "reaction_added", "user": "U002", "reaction": "tada", "item": item, "event_ts": "1.1"}
    assert harness.sender.event(added, event_id="EvR1").status == 200
    assert harness.sender.event(added, event_id="EvR1", retry_num=1).status == 200  # Slack's retry
    harness.sender.event(dict(added, user="U003"), event_id="EvR2")
    harness.sender.event(
        {
            "type": "reaction_added",
            "user": "U003",
            "reaction": "tada",
            "item": {"type": "message", "channel": CHANNEL, "ts": "1.2"},
        },
        event_id="EvR3",
    )  # a reaction on some other message is not a win's
    wait_reactions(harness, 2)
    removed = dict(added, type="reaction_removed", user="U003")
    harness.sender.event(removed, event_id="EvR4")
    harness.sender.event(removed, event_id="EvR4", retry_num=2)
    wait_reactions(harness, 1)


def wait_reactions(harness: Harness, expected: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if wins_in_db(harness)[0].reactions == expected:
            time.sleep(0.2)  # and it stays there: a duplicate would land late
            assert wins_in_db(harness)[0].reactions == expected
            return
        time.sleep(0.02)
    raise AssertionError(f"reactions {wins_in_db(harness)[0].reactions} != {expected}")


def overflow(harness: Harness, user: str, value: str) -> Any:
    return harness.sender.block_action(
        user_id=user,
        action_id="win_overflow",
        action_type="overflow",
        selected_option_value=value,
        channel_id=CHANNEL,
    )


def test_only_the_author_can_edit_and_edit_updates_message_and_thanks_new_colleagues(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    submit(harness, "U001", state(ENGLISH_STORY, colleagues=["U002"]))
    harness.fake.wait_for("chat.postMessage", count=2)
    ts, _ = celebration(harness)
    win_id = wins_in_db(harness)[0].id

    overflow(harness, "U002", f"edit:{win_id}")
    refusal = opened_view(harness)
    assert "Only the person who shared a win" in json.dumps(refusal)

    harness.fake.clear_calls()
    overflow(harness, "U001", f"edit:{win_id}")
    edit = opened_view(harness)
    assert edit["callback_id"] == "win_edit_modal"
    assert next(b for b in edit["blocks"] if b["block_id"] == "colleagues")["element"]["initial_users"] == ["U002"]

    response = harness.sender.view_submission(
        user_id="U001",
        callback_id="win_edit_modal",
        values=state("We fixed it again, even faster this time!", colleagues=["U002", "U003"]),
        private_metadata=edit["private_metadata"],
    )
    assert response.json()["response_action"] == "update"
    harness.fake.wait_for("chat.update")
    updated = json.dumps(harness.fake.messages[(CHANNEL, ts)]["blocks"])
    assert "even faster" in updated and "(edited)" in updated
    dms = [c.params["channel"] for c in harness.fake.wait_for("chat.postMessage")]
    assert dms == ["U003"]  # only the newly thanked colleague hears about it
    assert wins_in_db(harness)[0].text == "We fixed it again, even faster this time!"
    assert stored_polarity(harness) == pytest.approx(read_tone_polarity("We fixed it again, even faster this time!"))

    refused = harness.sender.view_submission(
        user_id="U001", callback_id="win_edit_modal", values=state(""), private_metadata=edit["private_metadata"]
    )
    assert refused.json()["response_action"] == "errors"


def test_author_deletes_win_and_its_message(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    submit(harness, "U001", state(ENGLISH_STORY, colleagues=["U002"]))
    harness.fake.wait_for("chat.postMessage", count=2)
    ts, _ = celebration(harness)
    win_id = wins_in_db(harness)[0].id
    harness.fake.clear_calls()
    overflow(harness, "U001", f"delete:{win_id}")
    confirm = opened_view(harness)
    assert confirm["callback_id"] == "win_delete_modal"

    stranger = harness.sender.view_submission(
        user_id="U003", callback_id="win_delete_modal", values={}, private_metadata=confirm["private_metadata"]
    )
    assert "Only the person" in json.dumps(stranger.json())
    assert len(wins_in_db(harness)) == 1

    harness.sender.view_submission(
        user_id="U001", callback_id="win_delete_modal", values={}, private_metadata=confirm["private_metadata"]
    )
    harness.fake.wait_for("chat.delete")
    assert (CHANNEL, ts) not in harness.fake.messages
    assert wins_in_db(harness) == []
    with harness.db.session_scope() as session:
        assert session.exec(select(WinColleague)).all() == []

    harness.fake.clear_calls()
    overflow(harness, "U001", f"edit:{win_id}")
    gone = harness.fake.wait_for("views.open")[-1]
    assert "no longer exists" in json.dumps(gone.params)


def test_share_button_on_home_opens_the_modal(harness: Harness) -> None:
    make_team(harness, MEMBERS)
    harness.sender.block_action(
        user_id="U001", action_id="home_share_win", container={"type": "view", "view_id": "VHOME"}
    )
    assert opened_view(harness)["callback_id"] == "win_modal"
